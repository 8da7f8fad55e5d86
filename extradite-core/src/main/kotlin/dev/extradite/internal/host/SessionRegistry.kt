@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.host

import dev.extradite.InternalExtraditeApi
import java.time.Duration
import java.util.concurrent.Executors
import java.util.concurrent.ScheduledFuture
import java.util.concurrent.TimeUnit

/**
 * Which child JVMs this host runs, and who holds them.
 *
 * Every `RemoteClass` is a counted handle on its session. A session opened without a share key
 * has exactly one; with a share key, every `extradite(...)` with that key shares one child (also
 * across target classes) until the last handle closes, and then for its keep-alive, during which a
 * new handle reuses it. A JVM shutdown hook closes every child still running.
 *
 * Thread safe. Starting a shared child holds the registry's lock, so concurrent first uses of
 * one key start one child.
 */
internal object SessionRegistry {
    const val PREWARM_KEEP_ALIVE_SECONDS = 30L

    private class Shared(val key: String, val config: SessionConfig, val session: HostSession) {
        var handles = 0

        /** The keep-alive some caller asked for (the first to ask sets it for the key), or null. */
        var requestedKeepAlive: Duration? = config.keepAlive
        var keepAlive: Duration = config.keepAlive ?: Duration.ZERO
        var idleTimer: ScheduledFuture<*>? = null
    }

    private val shared = HashMap<String, Shared>()
    private val live = LinkedHashSet<HostSession>()
    private val timer = Executors.newSingleThreadScheduledExecutor { task ->
        Thread(task, "extradite-keep-alive").apply { isDaemon = true }
    }

    init {
        Runtime.getRuntime().addShutdownHook(Thread({ closeAll() }, "extradite-shutdown"))
    }

    /** A session for [config], with one more handle on it: a shared one when its key is running, else a new child. */
    fun acquire(config: SessionConfig): HostSession {
        val key = config.shareKey ?: return track(HostSession.start(config))
        synchronized(this) {
            val entry = liveShared(key)
            if (entry != null) {
                join(entry, config)
                entry.idleTimer?.cancel(false)
                entry.idleTimer = null
                entry.handles++
                return entry.session
            }
            val session = track(HostSession.start(config))
            shared[key] = Shared(key, config, session).also { it.handles = 1 }
            return session
        }
    }

    /**
     * [config] joins the running [entry] of its key: refused when its settings differ (the first
     * keep-alive given holds for the key), else its keep-alive and protected tree are added.
     */
    private fun join(entry: Shared, config: SessionConfig) {
        val requested = entry.requestedKeepAlive
        val differences = config.differencesFrom(entry.config) +
            listOfNotNull(
                config.keepAlive?.takeIf { requested != null && it != requested }
                    ?.let { "keepAlive: the session has $requested, this call asks for $it" },
            )
        require(differences.isEmpty()) {
            "shareKey(\"${entry.key}\") is already used by a running session with other settings: ${differences.joinToString("; ")}. " +
                "Use the same settings, or another share key."
        }
        config.keepAlive?.let {
            entry.requestedKeepAlive = it
            entry.keepAlive = it
        }
        entry.session.protect(config.protectedTree)
    }

    /** Starts the shared child for [config]'s key unless it is running; true when it started one. */
    fun prewarm(config: SessionConfig): Boolean {
        val key = requireNotNull(config.shareKey)
        synchronized(this) {
            liveShared(key)?.let { entry ->
                join(entry, config)
                return false
            }
            val session = track(HostSession.start(config))
            val entry = Shared(key, config, session)
            entry.keepAlive = config.keepAlive ?: Duration.ofSeconds(PREWARM_KEEP_ALIVE_SECONDS)
            shared[key] = entry
            scheduleIdleClose(entry)
            return true
        }
    }

    /** One handle on [session] is closed; the child stops when it was the last (after the keep-alive, if shared). */
    fun release(session: HostSession) {
        val key = session.config.shareKey
        if (key == null) {
            close(session)
            return
        }
        synchronized(this) {
            val entry = shared[key]?.takeIf { it.session === session } ?: return close(session)
            entry.handles--
            if (entry.handles > 0) return
            if (entry.keepAlive.isZero || !session.isOpen) {
                shared.remove(key)
                close(session)
            } else {
                scheduleIdleClose(entry)
            }
        }
    }

    /** Stops the shared child of [key] now; true when one was running. */
    fun close(key: String): Boolean {
        val entry = synchronized(this) { shared.remove(key) } ?: return false
        entry.idleTimer?.cancel(false)
        val wasOpen = entry.session.isOpen
        close(entry.session)
        return wasOpen
    }

    private fun liveShared(key: String): Shared? {
        val entry = shared[key] ?: return null
        if (entry.session.isOpen) return entry
        // Its child died: a new extradite(...) with this key starts a fresh one.
        shared.remove(key)
        close(entry.session)
        return null
    }

    private fun scheduleIdleClose(entry: Shared) {
        entry.idleTimer = timer.schedule({
            synchronized(this) {
                if (shared[entry.key] === entry && entry.handles == 0) {
                    shared.remove(entry.key)
                    close(entry.session)
                }
            }
        }, entry.keepAlive.toMillis(), TimeUnit.MILLISECONDS)
    }

    private fun track(session: HostSession): HostSession {
        synchronized(live) { live += session }
        return session
    }

    private fun close(session: HostSession) {
        synchronized(live) { live -= session }
        session.close()
    }

    private fun closeAll() {
        val sessions = synchronized(live) { live.toList().also { live.clear() } }
        for (session in sessions) runCatching { session.close() }
    }
}
