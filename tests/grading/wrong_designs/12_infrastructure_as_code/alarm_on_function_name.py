"""Wrong design: the canary's alarm watches Errors with the FunctionName dimension only, which
counts every version's errors: the old version's few failures trip it, and a good release is
rolled back. Caught by: good-release-promoted."""

REPLACE = [
    ("""\
        Dimensions=[{"Name": "FunctionName", "Value": function},
                    {"Name": "Resource", "Value": f"{function}:{alias}"},
                    {"Name": "ExecutedVersion", "Value": new}],
""", """\
        Dimensions=[{"Name": "FunctionName", "Value": function}],
"""),
]
