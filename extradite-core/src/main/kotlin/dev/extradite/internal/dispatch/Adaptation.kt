@file:OptIn(dev.extradite.InternalExtraditeApi::class)

package dev.extradite.internal.dispatch

import dev.extradite.internal.wire.PackedList
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type
import java.lang.reflect.WildcardType

/**
 * How one argument is made to fit its parameter before a call: a peer's functional object
 * adapted to the functional interface the parameter names, a packed list turned into the
 * `ArrayList` the parameter names, or the elements of a collection (or the values of a map)
 * adapted to the functional interface of the parameter's type argument (a `List<IntUnaryOperator>`
 * holding host lambdas).
 */
internal sealed class Adaptation {
    /** [argument], a non-null value the overload was chosen for, fitted to its parameter. */
    abstract fun apply(argument: Any, adapter: FunctionalAdapter?): Any

    /** The argument itself: to the functional interface or `ArrayList` [type]. */
    class To(private val type: Class<*>) : Adaptation() {
        override fun apply(argument: Any, adapter: FunctionalAdapter?): Any = when {
            type.isInstance(argument) -> argument
            argument is PackedList -> argument.toArrayList()
            else -> adapter!!.adapt(argument, type)
        }
    }

    /**
     * Each element of a list or set decoded from the wire (or each value of a map) to the
     * functional interface [type]; a collection that needs nothing adapted is passed as it is,
     * and a proxy of a peer's collection is never read here.
     */
    class Elements(private val type: Class<*>) : Adaptation() {
        override fun apply(argument: Any, adapter: FunctionalAdapter?): Any {
            val adapter = adapter ?: return argument
            fun fit(element: Any?): Any? =
                if (element == null || type.isInstance(element) || !adapter.canAdapt(element, type)) element else adapter.adapt(element, type)
            /** [items] fitted, or null when every one fits as it is. */
            fun fitted(items: Collection<*>): List<Any?>? {
                val result = items.map(::fit)
                return if (result.zip(items).all { (new, old) -> new === old }) null else result
            }
            return when (argument.javaClass) {
                java.util.ArrayList::class.java -> fitted(argument as List<*>)?.let { ArrayList(it) } ?: argument
                java.util.LinkedHashSet::class.java -> fitted(argument as Set<*>)?.let { LinkedHashSet(it) } ?: argument
                java.util.LinkedHashMap::class.java -> {
                    val map = argument as Map<*, *>
                    fitted(map.values)?.let { values -> LinkedHashMap<Any?, Any?>().apply { map.keys.zip(values).forEach { (key, value) -> put(key, value) } } } ?: argument
                }
                else -> argument
            }
        }
    }

    /** [first], then [second] on what it made. */
    class Both(private val first: Adaptation, private val second: Adaptation) : Adaptation() {
        override fun apply(argument: Any, adapter: FunctionalAdapter?): Any = second.apply(first.apply(argument, adapter), adapter)
    }

    companion object {
        /**
         * What a parameter of erased type [parameter] and generic type [generic] needs, given
         * whether a [FunctionalAdapter] exists on this side; null when nothing.
         */
        fun of(parameter: Class<*>, generic: Type?, adapting: Boolean): Adaptation? {
            if (adapting && FunctionalInterfaces.samOf(parameter) != null) return To(parameter)
            val elements = if (adapting) elementsOf(parameter, generic) else null
            // A parameter that takes an ArrayList but not every List: a decoded packed list is
            // copied into one (and its elements adapted, when they need it, after that).
            if (parameter.isAssignableFrom(java.util.ArrayList::class.java) && !parameter.isAssignableFrom(PackedList::class.java)) {
                return if (elements == null) To(parameter) else Both(To(parameter), elements)
            }
            return elements
        }

        /** [Elements] for a `List`, `Collection`, `Iterable` or `Set` of a functional interface, or a `Map` with such values. */
        private fun elementsOf(parameter: Class<*>, generic: Type?): Adaptation? {
            val arguments = (generic as? ParameterizedType)?.actualTypeArguments ?: return null
            val element = when {
                Map::class.java.isAssignableFrom(parameter) && parameter.isAssignableFrom(java.util.LinkedHashMap::class.java) -> arguments.getOrNull(1)
                parameter.isAssignableFrom(java.util.ArrayList::class.java) || parameter.isAssignableFrom(java.util.LinkedHashSet::class.java) -> arguments.getOrNull(0)
                else -> null
            }
            val bound = (element as? WildcardType)?.upperBounds?.firstOrNull() ?: element
            val functional = (bound as? Class<*>)?.takeIf { FunctionalInterfaces.samOf(it) != null } ?: return null
            return Elements(functional)
        }
    }
}
