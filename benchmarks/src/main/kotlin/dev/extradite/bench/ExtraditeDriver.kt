package dev.extradite.bench

import dev.extradite.RemoteClass
import dev.extradite.RemoteObject
import dev.extradite.closeSession
import dev.extradite.extradite
import java.nio.file.Path
import java.time.Duration

/**
 * The workload in a child JVM, driven through extradite's blocking API; over [transport] (a value
 * of the `extradite.transport` system property, such as `ktor`) when given, else the default.
 */
class ExtraditeDriver(private val workloadJar: Path, private val transport: String? = null) : WorkloadDriver {
    private var workloads: RemoteClass? = null
    private var workload: RemoteObject? = null
    private val expectedBytes = sha256(BYTES_512K)
    private val callback: (Int) -> Int = { i -> i * 3 + 17 }

    private fun open(shareKey: String? = null): RemoteClass = withTransport {
        extradite(TARGET) {
            classpath(workloadJar)
            System.getProperty("bench.childJvmArgs")?.let { jvmArgs(*it.split(" ").toTypedArray()) }
            if (shareKey != null) {
                shareKey(shareKey)
                keepAlive(Duration.ofMinutes(5))
            }
        }
    }

    /** The transport is chosen when a child starts, from the system property; the driver opens children on one thread. */
    private fun <T> withTransport(open: () -> T): T {
        if (transport == null) return open()
        val before = System.getProperty(TRANSPORT_PROPERTY)
        System.setProperty(TRANSPORT_PROPERTY, transport)
        try {
            return open()
        } finally {
            if (before == null) System.clearProperty(TRANSPORT_PROPERTY) else System.setProperty(TRANSPORT_PROPERTY, before)
        }
    }

    private fun session(): RemoteObject = workload ?: open().also { workloads = it }.newInstance(SEED).also { workload = it }

    override fun run(regime: Regime, from: Int, until: Int) {
        when (regime.name) {
            "cold_start_first_call" -> repeat(until - from) {
                open().use { it.newInstance(SEED).callBlocking("ping") }
            }
            "cold_start_first_call_warm_session" -> repeat(until - from) {
                open(WARM_KEY).use { it.newInstance(SEED).callBlocking("ping") }
            }
            "tiny_ping", "increment_small", "native_digest" -> {
                val w = session()
                var i = from
                while (i < until) {
                    val end = minOf(until, i + regime.batch)
                    val calls = (i until end).map { n ->
                        when (regime.name) {
                            "tiny_ping" -> emptyList()
                            "increment_small" -> listOf(1)
                            else -> listOf("bench", 2 * n, 24)
                        }
                    }
                    val method = when (regime.name) {
                        "tiny_ping" -> "ping"
                        "increment_small" -> "increment"
                        else -> "nativeHistoryDigest"
                    }
                    check(w.batchBlocking(method, calls).size == calls.size)
                    i = end
                }
            }
            else -> {
                val w = session()
                for (i in from until until) {
                    when (regime.name) {
                        "payload_small_checksum" -> w.callBlocking("payloadChecksum", smallPayload(i))
                        "payload_large_sum" -> w.callBlocking("sumValues", LARGE_VALUES)
                        "bytes_roundtrip_512kb" -> check(sha256(w.callBlocking("echoBytes", BYTES_512K) as ByteArray) == expectedBytes)
                        "callback_chatter" -> w.callBlocking("callbackAccumulate", callback, 40)
                        "cpu_checksum" -> w.callBlocking("computeChecksum", "cpu", 3 * i, 20)
                        "mixed_pipeline" -> w.callBlocking("mixedPipeline", "pipeline", 5 * i, 18, PIPELINE_VALUES)
                        else -> error("unknown regime ${regime.name}")
                    }
                }
            }
        }
    }

    /** Starts the shared warm session before the warm-session regime's timing begins. */
    fun prewarm() {
        open(WARM_KEY).use { it.newInstance(SEED).callBlocking("ping") }
    }

    /** One unbatched `ping()` per round trip, on this driver's session: the single-call peer. */
    fun singleCalls(): PeerRoundTrip = object : PeerRoundTrip {
        private val w = session()

        override fun time(samples: LongArray, from: Int, count: Int) {
            for (i in 0 until count) {
                val start = System.nanoTime()
                w.callBlocking("ping")
                samples[from + i] = System.nanoTime() - start
            }
        }

        override fun close() = Unit
    }

    override fun close() {
        workloads?.close()
        closeSession(WARM_KEY)
    }

    companion object {
        const val TARGET = "dev.extradite.bench.workload.BenchmarkWorkload"
        const val WARM_KEY = "benchmark-warm"
        private const val TRANSPORT_PROPERTY = "extradite.transport"
    }
}
