"""Wrong design: the rollback deletes the alias ("no alias, no traffic to the new version"), and
every caller of the alias gets an error from then on. Caught by: bad-release-stopped."""

REPLACE = [
    ("""\
            lam.update_alias(FunctionName=function, Name=alias, FunctionVersion=stable,
                             RoutingConfig={"AdditionalVersionWeights": {}})
            return {"version": new, "decision": "rolled back"}
""", """\
            lam.delete_alias(FunctionName=function, Name=alias)
            return {"version": new, "decision": "rolled back"}
"""),
]
