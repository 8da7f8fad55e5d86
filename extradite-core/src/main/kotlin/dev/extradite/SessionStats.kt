package dev.extradite

/**
 * The sizes of a session's handle tables, for spotting leaks: objects each side has lent to the
 * other (exports) and proxies each side holds of the other's objects (imports). Proxies that
 * become unreachable are released automatically, so after the garbage collector has run, the
 * counts return to what live proxies explain.
 *
 * @property hostExports host objects (callbacks) the child holds handles to.
 * @property hostImports child objects the host holds [RemoteObject]s for.
 * @property childExports child objects the host holds handles to.
 * @property childImports host objects the child holds proxies for.
 */
public data class SessionStats(
    val hostExports: Int,
    val hostImports: Int,
    val childExports: Int,
    val childImports: Int,
)
