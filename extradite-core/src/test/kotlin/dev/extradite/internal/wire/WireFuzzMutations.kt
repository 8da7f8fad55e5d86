@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.InternalExtraditeApi
import dev.extradite.TransportPolicy
import java.nio.ByteBuffer
import java.util.Random

// The ways WireFuzzSpec turns valid frames into hostile ones.

/** A named change of some bytes, drawing what to change from a random source. */
internal class Mutation(val name: String, val apply: (ByteArray, Random) -> ByteArray)

internal fun <T> List<T>.pick(random: Random): T = this[random.nextInt(size)]

internal val FLIP_BITS = Mutation("bit flips") { bytes, random ->
    bytes.copyOf().also { b ->
        if (b.isNotEmpty()) repeat(1 + random.nextInt(4)) {
            val i = random.nextInt(b.size)
            b[i] = (b[i].toInt() xor (1 shl random.nextInt(8))).toByte()
        }
    }
}

internal val OVERWRITE_BYTES = Mutation("overwritten bytes") { bytes, random ->
    bytes.copyOf().also { b -> if (b.isNotEmpty()) repeat(1 + random.nextInt(4)) { b[random.nextInt(b.size)] = random.nextInt(256).toByte() } }
}

internal val EXTREMES = intArrayOf(0, 1, -1, Int.MAX_VALUE, Int.MIN_VALUE, Int.MAX_VALUE - 1, 0x40000000, 0x10000, 0xFFFF, 255, 256, 12, 8, 4)

/** A four-byte big-endian field anywhere set to an extreme, to a length near the input's, or to a shared-memory length. */
internal val EXTREME_INT = Mutation("extreme int") { bytes, random ->
    if (bytes.size < 4) bytes else bytes.copyOf().also { b ->
        val at = random.nextInt(b.size - 3)
        val value = when (random.nextInt(4)) {
            0 -> b.size - at - 4 + random.nextInt(3) - 1
            1 -> Frame.SHARED_FLAG or EXTREMES[random.nextInt(EXTREMES.size)]
            else -> EXTREMES[random.nextInt(EXTREMES.size)]
        }
        ByteBuffer.wrap(b).putInt(at, value)
    }
}

internal val RESHAPES = listOf(
    Mutation("truncation") { bytes, random -> bytes.copyOf(if (bytes.isEmpty()) 0 else random.nextInt(bytes.size)) },
    Mutation("a deleted segment") { bytes, random ->
        if (bytes.isEmpty()) bytes else {
            val from = random.nextInt(bytes.size)
            val to = from + 1 + random.nextInt(minOf(16, bytes.size - from))
            bytes.copyOfRange(0, from) + bytes.copyOfRange(to, bytes.size)
        }
    },
    Mutation("a duplicated segment") { bytes, random ->
        if (bytes.isEmpty()) bytes else {
            val from = random.nextInt(bytes.size)
            val segment = bytes.copyOfRange(from, from + 1 + random.nextInt(minOf(32, bytes.size - from)))
            val at = random.nextInt(bytes.size + 1)
            bytes.copyOfRange(0, at) + segment + bytes.copyOfRange(at, bytes.size)
        }
    },
    Mutation("inserted random bytes") { bytes, random ->
        val at = random.nextInt(bytes.size + 1)
        bytes.copyOfRange(0, at) + ByteArray(1 + random.nextInt(16)).also(random::nextBytes) + bytes.copyOfRange(at, bytes.size)
    },
)

internal val ALL_MUTATIONS = listOf(FLIP_BITS, OVERWRITE_BYTES, EXTREME_INT, EXTREME_INT) + RESHAPES

/** The head of [first] up to a random point and the tail of [second] from another. */
internal fun splice(first: ByteArray, second: ByteArray, random: Random): ByteArray =
    first.copyOf(random.nextInt(first.size + 1)) + second.copyOfRange(random.nextInt(second.size + 1), second.size)

internal const val COMPACT_TAGS = "QRBLNGSDCHWV"

internal val JSON_TOKENS = listOf(
    "{", "}", "[", "]", "\"", ",", ":", "null", "true", "-", "0", "1e999", "NaN", "9223372036854775808", "3.5", "\"\"",
    "\"t\":\"list\"", "\\u", "\\uD800", "\\u0000", "\"items\":[", "\"v\":", "{\"t\":\"null\"}", "{\"t\":\"named\",\"name\":\"x\",\"value\":{\"t\":\"null\"}}",
)

/** Every frozen serial name of the wire, and two that are not. */
internal val SERIAL_NAMES = listOf(
    "hello", "welcome", "refused", "req", "ok", "err", "release", "cancel", "load", "new", "call", "batch", "stats", "get", "set",
    "static", "handle", "remote", "protocol", "leak", "unsupported", "null", "z", "b", "s", "i", "j", "f", "d", "c", "str", "parr",
    "buf", "oarr", "list", "plist", "map", "enum", "rec", "ser", "named", "ref", "nope", "",
)

/** Records of JDK 17's java.base in packages it does not open, so that this code may not call their constructors. */
internal val JDK_INTERNAL_RECORDS = listOf("sun.nio.ch.IOUtil\$LinkedRunnable", "sun.nio.ch.IOUtil\$Releaser", "jdk.internal.misc.ThreadTracker\$ThreadRef")

/** Class names a hostile peer might send: loadable or not, values or not, arrays of the most dimensions, primitives. */
internal val TYPE_NAMES = listOf(
    "java.lang.String", "java.lang.Object", "java.lang.Thread", "java.lang.Integer", "java.lang.Enum", "java.lang.Record", "java.lang.Void",
    "java.util.List", "java.lang.Runnable", "[I", "[Ljava.lang.String;", "[".repeat(255) + "I", "[".repeat(255) + "Ljava.lang.Object;", "int", "void",
    "kotlin.Pair", "kotlin.Unit", "dev.extradite.internal.wire.Side", FuzzColor::class.java.name, FuzzRange::class.java.name, FuzzPoint::class.java.name,
    TransportPolicy::class.java.name, "",
) + JDK_INTERNAL_RECORDS


internal val NUMBERS = listOf(
    "0", "-1", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "1e999", "-1e999", "1e-999", "1.5", "-0", "255", "256", "-129", "65536", "00", "NaN", "Infinity", "1e2",
)

/** Replaces a random match of [pattern] in [text] by [replacement] of the random source; [text] as it is when nothing matches. */
internal fun replaceOne(text: String, pattern: Regex, random: Random, replacement: (MatchResult) -> String): String {
    val matches = pattern.findAll(text).toList()
    if (matches.isEmpty()) return text
    val match = matches.pick(random)
    return text.substring(0, match.range.first) + replacement(match) + text.substring(match.range.last + 1)
}

internal val JSON_MUTATIONS: List<Pair<String, (String, Random) -> String>> = listOf(
    "a token replacing a few characters" to { text: String, random: Random ->
        val at = random.nextInt(text.length + 1)
        text.substring(0, at) + JSON_TOKENS.pick(random) + text.substring(minOf(text.length, at + random.nextInt(9)))
    },
    "a swapped discriminator" to { text: String, random: Random ->
        replaceOne(text, Regex("\"t\":\"[^\"]*\""), random) { "\"t\":\"${SERIAL_NAMES.pick(random)}\"" }
    },
    "a swapped class name" to { text: String, random: Random ->
        replaceOne(text, Regex("\"(type|componentType)\":\"[^\"]*\""), random) { "\"${it.groupValues[1]}\":\"${TYPE_NAMES.pick(random)}\"" }
    },
    "a swapped number" to { text: String, random: Random ->
        replaceOne(text, Regex("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?"), random) { NUMBERS.pick(random) }
    },
    "a removed member" to { text: String, random: Random ->
        replaceOne(text, Regex(",?\"[a-zA-Z]+\":(\"[^\"]*\"|-?[0-9.]+|true|false|null)"), random) { "" }
    },
)
