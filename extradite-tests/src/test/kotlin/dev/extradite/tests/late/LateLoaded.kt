package dev.extradite.tests.late

/** Loaded by name only, by `IsolationSpec`, after a session that protects this package has started. */
class LateLoaded
