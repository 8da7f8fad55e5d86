package dev.extradite.bench.workload

import dev.extradite.Batchable
import java.nio.ByteBuffer
import java.security.MessageDigest
import java.util.zip.Deflater
import javax.crypto.SecretKeyFactory
import javax.crypto.spec.PBEKeySpec

/**
 * The regime benchmark's workload, as `shared/reference/BENCHMARK.md` describes it; the same
 * class runs in-process (direct) and in the child (through extradite).
 */
class BenchmarkWorkload @JvmOverloads constructor(private val seed: String, private val rounds: Int = 2000) {
    private var value = 0
    private val deflater = Deflater()
    private val keys = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")

    fun ping(): Int = seed.encodeToByteArray().size

    fun setValue(v: Int): Int {
        value = v
        return value
    }

    fun currentValue(): Int = value

    @JvmOverloads
    fun increment(delta: Int = 1): Int {
        value += delta
        return value
    }

    /** For each key in sorted order: SHA-256 of "key=value", first 8 bytes as an unsigned number, summed mod MODULUS. */
    fun payloadChecksum(payload: Map<String, Any?>): Long {
        var sum = 0L
        val sha = MessageDigest.getInstance("SHA-256")
        for (key in payload.keys.sorted()) {
            val digest = sha.digest("$key=${payload[key]}".encodeToByteArray())
            sum = (sum + java.lang.Long.remainderUnsigned(ByteBuffer.wrap(digest).long, MODULUS)) % MODULUS
        }
        return sum
    }

    fun sumValues(values: List<Int>): Long {
        var sum = 0L
        for (v in values) sum += v
        return sum
    }

    fun echoBytes(payload: ByteArray): ByteArray = payload

    /** Calls [callback] for 0 until [itemCount] and sums; through a batching handle, 64 calls per round trip. */
    fun callbackAccumulate(callback: (Int) -> Int, itemCount: Int): Long {
        var sum = 0L
        if (callback is Batchable) {
            var start = 0
            while (start < itemCount) {
                val end = minOf(itemCount, start + 64)
                for (r in callback.batch("invoke", (start until end).map { listOf(it) })) sum += (r as Number).toLong()
                start = end
            }
        } else {
            for (i in 0 until itemCount) sum += callback(i)
        }
        return sum
    }

    /** PBKDF2-HMAC-SHA256 of "label:index", salted with the seed; (first 8 bytes XOR next 8) mod MODULUS. */
    fun deriveScore(label: String, index: Int): Long {
        val spec = PBEKeySpec("$label:$index".toCharArray(), seed.encodeToByteArray(), rounds, 256)
        val bytes = ByteBuffer.wrap(keys.generateSecret(spec).encoded)
        return java.lang.Long.remainderUnsigned(bytes.long xor bytes.long, MODULUS)
    }

    fun computeChecksum(label: String, start: Int, count: Int): Long {
        var sum = 0L
        for (i in start until start + count) sum = (sum + deriveScore(label, i)) % MODULUS
        return sum
    }

    /** A stateful native-backed operation: "label:i" entries through one Deflater (reset per call), hex SHA-256 of the result. */
    fun nativeHistoryDigest(label: String, start: Int, count: Int): String {
        deflater.reset()
        val out = java.io.ByteArrayOutputStream()
        val buffer = ByteArray(4096)
        for (i in start until start + count) {
            deflater.setInput("$label:$i\n".encodeToByteArray())
            while (!deflater.needsInput()) out.write(buffer, 0, deflater.deflate(buffer, 0, buffer.size, Deflater.SYNC_FLUSH))
        }
        deflater.finish()
        while (!deflater.finished()) out.write(buffer, 0, deflater.deflate(buffer))
        return MessageDigest.getInstance("SHA-256").digest(out.toByteArray()).joinToString("") { "%02x".format(it) }
    }

    fun mixedPipeline(label: String, start: Int, count: Int, values: List<Int>): Map<String, Any> = mapOf(
        "checksum" to computeChecksum(label, start, count),
        "payload_sum" to sumValues(values),
        "current_value" to increment(count),
        "native_digest" to nativeHistoryDigest(label, start, count),
    )

    companion object {
        const val MODULUS: Long = 1_000_000_007L
    }
}
