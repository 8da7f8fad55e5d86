package dev.extradite.internal.wire

import java.io.Serializable
import java.util.Objects
import java.util.RandomAccess

/**
 * A list decoded from a packed `IntArray`, `LongArray` or `DoubleArray`: an element is boxed when
 * it is read, not all of them while decoding, and the first change copies the elements into an
 * `ArrayList` that serves from then on. To the receiver it is an ordinary mutable, serializable
 * `List`. Where a target's parameter (or a typed proxy's result) is declared as `ArrayList`, the
 * list is handed over as a real `ArrayList` instead (see [toArrayList]), and overload resolution
 * counts it as one, so the two kinds of decoded list behave alike.
 *
 * Why: boxing 8,192 elements into an `ArrayList` was a loop the receiving JVM ran interpreted for
 * the first calls of a session, and the boxes could not be optimised away; read as they are used,
 * a compiled target unboxes them at once. payload_large_sum (8,192 `Int`s per call) measured
 * 566 us with eager boxing against 354 us with this list (session 4, full counts, medians of 5).
 */
internal class PackedList(private var packed: Any?, private val packedSize: Int) : java.util.AbstractList<Any?>(), RandomAccess, Serializable {
    /** The elements once the list has been changed; [packed] is dropped then. */
    private var copy: ArrayList<Any?>? = null

    override val size: Int get() = copy?.size ?: packedSize

    override fun get(index: Int): Any? {
        copy?.let { return it[index] }
        Objects.checkIndex(index, packedSize)
        return when (val array = packed) {
            is IntArray -> array[index]
            is LongArray -> array[index]
            is DoubleArray -> array[index]
            else -> error("unexpected packed array ${array?.javaClass}")
        }
    }

    override fun set(index: Int, element: Any?): Any? = changeable().set(index, element)

    override fun add(index: Int, element: Any?) {
        changeable().add(index, element)
        modCount++
    }

    override fun removeAt(index: Int): Any? = changeable().removeAt(index).also { modCount++ }

    override fun removeRange(fromIndex: Int, toIndex: Int) {
        changeable().subList(fromIndex, toIndex).clear()
        modCount++
    }

    override fun clear() {
        copy = ArrayList()
        packed = null
        modCount++
    }

    /** The elements as a real `ArrayList`, for a parameter or result declared as one. */
    fun toArrayList(): ArrayList<Any?> = ArrayList(this)

    private fun changeable(): ArrayList<Any?> = copy ?: ArrayList<Any?>(packedSize).also { list ->
        for (i in 0 until packedSize) list.add(get(i))
        copy = list
        packed = null
    }

    /** Serialized as the `ArrayList` it stands for. */
    private fun writeReplace(): Any = ArrayList(this)
}
