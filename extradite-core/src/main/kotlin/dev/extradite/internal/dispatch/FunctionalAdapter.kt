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
        allInterfaces(type).mapNotNull { samOf(it)?.name }.distinct().singleOrNull()

    /**
     * True when [method] may be called on an object lent by the host: `toString`, `equals`,
     * `hashCode`, or a method some public interface of its class declares. Nothing else, so that
     * `getClass()` and reflection from there stay out of the other side's reach.
     */
    public fun isOfferedMethod(method: Method): Boolean =
        method.name in setOf("toString", "equals", "hashCode") ||
            (listOf(method.declaringClass) + allInterfaces(method.declaringClass)).any { type ->
                type.isInterface && Modifier.isPublic(type.modifiers) &&
                    runCatching { type.getMethod(method.name, *method.parameterTypes) }.isSuccess
            }

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
