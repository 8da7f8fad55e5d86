@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.host

import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.wire.CodecWarmup
import kotlinx.coroutines.Dispatchers
import java.security.MessageDigest
import java.security.SecureRandom
import java.util.concurrent.atomic.AtomicBoolean

/**
 * Readies, on a second thread, what a host JVM's first session needs, while the caller is still
 * configuring it: the first builder of a JVM starts it.
 *
 * A host's first session loads and initialises a few hundred classes in the interpreter before
 * it can start the child: kotlinx.coroutines' IO dispatcher; the security providers, which the
 * temporary directory, the Unix socket and the token all seed from; the digest of the class-data
 * archive's key; and the codec of its first messages. None of that depends on the configuration
 * or on system properties the application may still be setting, and the host has nothing else
 * for its second core to do yet. (The child's class path and SLF4J are left to the session: they
 * read settings the application may set after creating the builder.) Measured in session 4, a
 * quick cold start (two starts, the first of them the host's first session), medians of 6
 * alternating runs: 235 ms without, 231 ms with it; a few milliseconds, within this VM's noise.
 *
 * The thread touches no session state; whatever it fails at is left for the real first use to
 * do and report. `-Dextradite.host.warmup=false` turns it off.
 */
internal object HostStartupWarmup {
    private val started = AtomicBoolean(false)

    fun start() {
        if (System.getProperty("extradite.host.warmup") == "false" || !started.compareAndSet(false, true)) return
        Thread(::run, "extradite-host-warmup").apply { isDaemon = true }.start()
    }

    private fun run() {
        try {
            // In the order the first session needs them.
            Dispatchers.IO
            SecureRandom().nextInt()
            runCatching { SecureRandom.getInstance("NativePRNGNonBlocking") }
            MessageDigest.getInstance("SHA-256")
            CodecWarmup.run()
            // The class-loading counter each call reads: java.management initialises in about 25 ms.
            LoadedClasses.total()
        } catch (_: Throwable) {
            // Only a head start.
        }
    }
}
