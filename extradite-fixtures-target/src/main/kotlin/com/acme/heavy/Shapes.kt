package com.acme.heavy

import com.acme.api.Color
import com.acme.api.Point
import com.acme.api.Range

/** Shared value types (records, enums, @Serializable) going both ways. */
object Shapes {
    @JvmStatic
    fun mirror(p: Point): Point = Point(p.y, p.x)

    @JvmStatic
    fun widen(r: Range): Range = Range(r.lo - 1, r.hi + 1)

    @JvmStatic
    fun next(c: Color): Color = Color.entries[(c.ordinal + 1) % Color.entries.size]

    fun origin(): Point = Point(0, 0)

    /** Values whose types refer to com.acme.api.hidden, which tests protect. */
    fun wrapped(): com.acme.api.Wrapped = com.acme.api.Wrapped(com.acme.api.hidden.Inner(7))

    fun notes(): com.acme.api.Notes = com.acme.api.Notes(listOf(com.acme.api.hidden.Note("seven")))

    /** Values one step further from com.acme.api.hidden: through a component's supertype, a nested serializable, an array's element type. */
    fun holder(): com.acme.api.Holder = com.acme.api.Holder(null)

    fun outer(): com.acme.api.Outer = com.acme.api.Outer(com.acme.api.Notes(emptyList()))

    fun mids(): Array<Array<com.acme.api.Mid>> = arrayOf()

    /** A `String` array of [dimensions] dimensions, one element in each. */
    fun nested(dimensions: Int): Any = java.lang.reflect.Array.newInstance(String::class.java, *IntArray(dimensions) { 1 })
}

/** A comparable and iterable target: `major.minor`, iterating its two numbers. */
class Version(val major: Int, val minor: Int) : Comparable<Version>, Iterable<Int> {
    override fun compareTo(other: Version): Int = compareValuesBy(this, other, Version::major, Version::minor)

    override fun iterator(): Iterator<Int> = listOf(major, minor).iterator()

    override fun toString(): String = "$major.$minor"
}
