@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.host

import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.wire.CodecWarmup
import kotlinx.coroutines.Dispatchers
import org.slf4j.LoggerFactory
import java.security.MessageDigest
import java.security.SecureRandom
import java.util.concurrent.atomic.AtomicBoolean

/**
 * Readies, on a second thread, what a host JVM's first session needs, while the caller is still
 * configuring it: the first builder of a JVM starts it.
 *
 * A host's first session loads and initialises a few hundred classes in the interpreter before
 * it can start the child (kotlinx.coroutines' IO dispatcher, the security providers that the
 * temporary directory, the Unix socket and the token seed, the child's class path, the
 * class-data archive's key, SLF4J), and then runs its first call cold. Most of it does not depend
 * on the configuration, and the host has nothing else for its second core to do yet. Measured
 * in session 4: see the commit that added it.
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
            ChildRuntimeClasspath.entries
            MessageDigest.getInstance("SHA-256")
            LoggerFactory.getLogger(HostStartupWarmup::class.java)
            CodecWarmup.run()
        } catch (_: Throwable) {
            // Only a head start.
        }
    }
}
