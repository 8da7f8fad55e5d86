package dev.extradite.internal.wire

import java.io.Serializable
import java.util.Objects
import java.util.RandomAccess

/**
 * A list decoded from a packed `IntArray`, `LongArray` or `DoubleArray`: an element is boxed when
 * it is read, not all of them while decoding, and the first change copies the elements into an
 * `ArrayList` that serves from then on. To the receiver it is an ordinary mutable, serializable
 * `List`.
 *
 * Why: boxing 8,192 elements into an `ArrayList` was a loop the receiving JVM ran interpreted for
 * the first calls of a session, at about half a microsecond per element (session 4); most targets
 * read such a list once.
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

    private fun changeable(): ArrayList<Any?> = copy ?: ArrayList<Any?>(packedSize).also { list ->
        for (i in 0 until packedSize) list.add(get(i))
        copy = list
        packed = null
    }

    /** Serialized as the `ArrayList` it stands for. */
    private fun writeReplace(): Any = ArrayList(this)
}
