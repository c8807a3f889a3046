"""The platform's whole state as data: snapshot export, checked import and restore."""
