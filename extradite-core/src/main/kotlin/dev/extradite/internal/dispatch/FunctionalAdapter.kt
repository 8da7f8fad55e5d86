@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.dispatch

import dev.extradite.InternalExtraditeApi
import java.lang.reflect.Method
import java.lang.reflect.Modifier

/**
 * Adapts a proxy of a peer's functional object (a host lambda, say a Kotlin `(Int) -> Int`)
 * to a functional interface it does not implement (a Java `IntUnaryOperator`), so that it can be
 * passed wherever the target expects any functional interface.
 */
@InternalExtraditeApi
public interface FunctionalAdapter {
    /** True when [value] is a peer's functional object that can stand in for [type]. */
    public fun canAdapt(value: Any, type: Class<*>): Boolean

    /** [value] as an instance of [type]; only called when [canAdapt] said yes. */
    public fun adapt(value: Any, type: Class<*>): Any
}

/** Finding the single abstract method of functional interfaces. */
@InternalExtraditeApi
public object FunctionalInterfaces {
    private val methods = object : ClassValue<Method?>() {
        override fun computeValue(type: Class<*>): Method? {
            if (!type.isInterface) return null
            val abstract = type.methods.filter { Modifier.isAbstract(it.modifiers) && !isObjectMethod(it) }
            return abstract.distinctBy { it.name to it.parameterTypes.toList() }.singleOrNull()
        }
    }

    /** The single abstract method of [type], or null when [type] is not a functional interface. */
    public fun samOf(type: Class<*>): Method? = methods.get(type)

    /**
     * The name of the one functional method a class offers through its interfaces (`invoke` for
     * a Kotlin lambda, `run` for a `Runnable`), or null when it offers none or several.
     */
    public fun samNameOf(type: Class<*>): String? =
        offeredInterfaces(type).mapNotNull { samOf(it)?.name }.distinct().singleOrNull()

    /**
     * The interfaces through which an object lent by the host is offered to the other side: its
     * public interfaces, less the Kotlin compiler's own bookkeeping (`kotlin.jvm.internal`, such
     * as the `FunctionBase.getArity` of a lambda compiled as a class), so that a lambda looks the
     * same however its code was compiled.
     */
    public fun offeredInterfaces(type: Class<*>): List<Class<*>> = offered.get(type).interfaces

    /**
     * The methods the other side may call on an object lent by the host: `toString`, `equals`,
     * `hashCode`, and the methods of its [offeredInterfaces], as those interfaces declare them.
     * Nothing else, so that `getClass()` and reflection from there stay out of the other side's
     * reach. Calls go through the interface's method, so a lambda whose own `invoke` takes an
     * `int` (compiled as a class) is called through `Function1.invoke(Object)` like any other.
     */
    public fun offeredMethods(type: Class<*>): List<Method> = offered.get(type).methods

    private class Offered(val interfaces: List<Class<*>>, val methods: List<Method>)

    private val offered = object : ClassValue<Offered>() {
        override fun computeValue(type: Class<*>): Offered {
            val interfaces = allInterfaces(type).filter { Modifier.isPublic(it.modifiers) && it.packageName != "kotlin.jvm.internal" }
            val objectMethods = Any::class.java.methods.filter { it.name in OBJECT_METHODS }
            val methods = (objectMethods + interfaces.flatMap { it.methods.asList() })
                .filter { !Modifier.isStatic(it.modifiers) }
                .distinctBy { it.name to it.parameterTypes.toList() }
            return Offered(interfaces, methods)
        }
    }

    private val OBJECT_METHODS = setOf("toString", "equals", "hashCode")

    /** Every interface [type] implements, directly or through superclasses and superinterfaces. */
    public fun allInterfaces(type: Class<*>): Set<Class<*>> {
        val result = LinkedHashSet<Class<*>>()
        fun visit(current: Class<*>) {
            for (i in current.interfaces) if (result.add(i)) visit(i)
            current.superclass?.let(::visit)
        }
        visit(type)
        return result
    }

    private fun isObjectMethod(method: Method): Boolean = try {
        Any::class.java.getMethod(method.name, *method.parameterTypes)
        true
    } catch (_: NoSuchMethodException) {
        false
    }
}
