"""The build pipeline, one module per stage.

sources -> content -> markup -> layouts -> collections -> render -> output,
read top to bottom in :mod:`atoll.build.pipeline`; incremental and cache
beside it decide what can be reused from the previous build.
"""
