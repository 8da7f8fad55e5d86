package com.acme.heavy

import kotlinx.coroutines.delay

/** The quick-start target: a counter with Kotlin properties, statics and a suspend method. */
class Counter @JvmOverloads constructor(start: Int = 0) {
    var value: Int = start
    val isPositive: Boolean get() = value > 0
    var label: String? = null

    init {
        created++
    }

    @JvmOverloads
    fun increment(delta: Int = 1): Int {
        value += delta
        return value
    }

    fun add(delta: Long): Long {
        value += delta.toInt()
        return value.toLong()
    }

    /** Whether, after suspending, the thread's context class loader is the one that loaded the target. */
    suspend fun contextLoaderIsTargetsAfterSuspending(): Boolean {
        delay(5)
        return Thread.currentThread().contextClassLoader === Counter::class.java.classLoader
    }

    suspend fun slowIncrement(delta: Int): Int {
        delay(10)
        return increment(delta)
    }

    /** Overloads of which only one suspends: a batch that reaches it goes on as a coroutine. */
    fun bump(delta: Int): String = "plain ${increment(delta)}"

    suspend fun bump(delta: Long): String {
        delay(1)
        return "suspended ${increment(delta.toInt())}"
    }

    /** A peer counter passed back from the host arrives as the real object. */
    fun sumWithPeer(peer: Counter): Int = value + peer.value

    fun isSame(other: Any?): Boolean = other === this

    fun peer(): Counter = Counter(value * 10)

    fun self(): Counter = this

    fun incrementAsync(delta: Int): Int = increment(delta)

    /** A non-value result: comes back as a handle. */
    fun history(): History = History(listOf(value))

    override fun toString(): String = "Counter($value)"

    override fun equals(other: Any?): Boolean = other is Counter && other.value == value

    override fun hashCode(): Int = value

    companion object {
        @JvmStatic
        var created: Int = 0

        const val KIND: String = "counter"

        fun describe(): String = "Counter companion"

        @JvmStatic
        fun create(start: Int): Counter = Counter(start)
    }
}

/** An object that is not a value. */
class History(private val entries: List<Int>) {
    fun size(): Int = entries.size
    fun first(): Int = entries.first()
}
