"""Planted bug: the rollback points the alias at the old version but leaves its routing
configuration as it was (UpdateAlias without RoutingConfig keeps it), so the failing version
still gets its share of the traffic. Caught by: bad-release-stopped."""

REPLACE = [
    ("""\
            lam.update_alias(FunctionName=function, Name=alias, FunctionVersion=stable,
                             RoutingConfig={"AdditionalVersionWeights": {}})
            return {"version": new, "decision": "rolled back"}
""", """\
            lam.update_alias(FunctionName=function, Name=alias, FunctionVersion=stable)
            return {"version": new, "decision": "rolled back"}
"""),
]
