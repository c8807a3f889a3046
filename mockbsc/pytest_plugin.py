"""pytest plugin of mockbsc (entry point `pytest11`). Fixtures arrive with the plugin work;
this module must stay importable cheaply because every pytest run in the environment loads it."""
