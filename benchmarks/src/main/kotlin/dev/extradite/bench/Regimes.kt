package dev.extradite.bench

/** One regime of `shared/reference/BENCHMARK.md`: how many operations, how many warm-ups, batch size where batching exists. */
data class Regime(val name: String, val iterations: Int, val warmup: Int, val batch: Int = 1, val directToo: Boolean = true)

val REGIMES = listOf(
    Regime("cold_start_first_call", 20, 0),
    Regime("cold_start_first_call_warm_session", 20, 0, directToo = false),
    Regime("tiny_ping", 20_000, 500, batch = 1024),
    Regime("increment_small", 15_000, 250, batch = 1024),
    Regime("payload_small_checksum", 5_000, 200),
    Regime("payload_large_sum", 500, 20),
    Regime("bytes_roundtrip_512kb", 120, 5),
    Regime("callback_chatter", 400, 10),
    Regime("native_digest", 400, 10, batch = 64),
    Regime("cpu_checksum", 80, 4),
    Regime("mixed_pipeline", 180, 6),
)

/** The operations of the regimes, implemented once in-process and once through extradite. */
interface WorkloadDriver : AutoCloseable {
    /** Runs operations [from] until [until] of [regime] (batched where the regime batches). */
    fun run(regime: Regime, from: Int, until: Int)
}

const val SEED = "extradite-benchmark-seed"
val LARGE_VALUES: List<Int> = (0 until 8192).toList()
val PIPELINE_VALUES: List<Int> = (0 until 512).toList()
val BYTES_512K: ByteArray = ByteArray(512 * 1024) { (it * 31 + 7).toByte() }

fun smallPayload(i: Int): Map<String, Any> = mapOf("index" to i, "scaled" to i / 10.0, "label" to "label-${i % 13}")

fun sha256(bytes: ByteArray): String =
    java.security.MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }
