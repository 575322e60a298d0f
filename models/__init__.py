"""Model definitions, one module per model page: metadata, defaults, input parsing and
``work(model_dir, inputs, progress, timings)``. Installed as ``omf_der.models``."""

MODELS = ("derConsumer", "vbatDispatch")
