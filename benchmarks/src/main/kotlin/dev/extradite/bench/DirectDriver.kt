package dev.extradite.bench

import dev.extradite.bench.workload.BenchmarkWorkload

/** The baseline: the workload in this JVM, called directly. Loaded only in direct runs. */
class DirectDriver : WorkloadDriver {
    private val workload = BenchmarkWorkload(SEED)
    private val expectedBytes = sha256(BYTES_512K)
    private val callback: (Int) -> Int = { i -> i * 3 + 17 }

    override fun run(regime: Regime, from: Int, until: Int) {
        for (i in from until until) {
            when (regime.name) {
                "cold_start_first_call" -> BenchmarkWorkload(SEED).ping()
                "tiny_ping" -> workload.ping()
                "increment_small" -> workload.increment(1)
                "payload_small_checksum" -> workload.payloadChecksum(smallPayload(i))
                "payload_large_sum" -> workload.sumValues(LARGE_VALUES)
                "bytes_roundtrip_512kb" -> check(sha256(workload.echoBytes(BYTES_512K)) == expectedBytes)
                "callback_chatter" -> workload.callbackAccumulate(callback, 40)
                "native_digest" -> workload.nativeHistoryDigest("bench", 2 * i, 24)
                "cpu_checksum" -> workload.computeChecksum("cpu", 3 * i, 20)
                "mixed_pipeline" -> workload.mixedPipeline("pipeline", 5 * i, 18, PIPELINE_VALUES)
                else -> error("no direct form of ${regime.name}")
            }
        }
    }

    override fun close() = Unit
}
