@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.child

import dev.extradite.Batchable
import dev.extradite.ExtraditeException
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.dispatch.FunctionalInterfaces
import dev.extradite.internal.session.ImportTable
import dev.extradite.internal.wire.WireValue
import java.lang.reflect.InvocationHandler
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import java.lang.reflect.Proxy
import java.util.concurrent.ConcurrentHashMap

/**
 * The child's stand-in for a host object: a `java.lang.reflect.Proxy` implementing every public
 * interface of the host object that the target can load, plus [Batchable]. Each call goes to
 * the host object and blocks the calling thread until the host answers.
 *
 * When the target expects a functional interface the host object does not implement (a Kotlin
 * `(Int) -> Int` where a Java `IntUnaryOperator` is wanted), an adapter proxy implementing that
 * interface forwards its single abstract method to the host object's own functional method.
 * Adapters hold their main proxy, so the handle stays alive while any of them is reachable.
 */
internal class HostObjectProxy private constructor(
    private val peer: ChildPeer,
    val handle: ImportTable<Any>.ImportedHandle,
    /** The host object's functional method, such as `invoke`, or null. */
    val sam: String?,
    /** For an adapter: the functional method of the interface it adapts to. */
    private val adaptedMethod: Method?,
    /** For an adapter: the main proxy, kept reachable. */
    @Suppress("unused") private val main: Any?,
) : InvocationHandler {
    private val adapters = ConcurrentHashMap<Class<*>, Any>()

    override fun invoke(proxy: Any, method: Method, args: Array<out Any?>?): Any? = try {
        dispatch(proxy, method, args ?: arrayOf<Any?>())
    } finally {
        // Until the host answers, the proxy must not be collected (its release would race the call).
        java.lang.ref.Reference.reachabilityFence(proxy)
        java.lang.ref.Reference.reachabilityFence(args)
    }

    private fun dispatch(proxy: Any, method: Method, arguments: Array<out Any?>): Any? {
        return when {
            method.declaringClass == Any::class.java -> when (method.name) {
                // Every proxy of one handle (the main one and its adapters) is the same host object.
                "equals" -> arguments[0]?.let { handlerOf(it)?.handle?.id } == handle.id
                "hashCode" -> handle.id.hashCode()
                else -> try {
                    peer.callHost(handle.id, "toString", arguments) as String
                } catch (_: ExtraditeException) {
                    "HostObject(handle ${handle.id} of ${handle.type})"
                }
            }
            method.declaringClass == Batchable::class.java -> {
                @Suppress("UNCHECKED_CAST")
                peer.batchHost(handle.id, hostMethodName(arguments[0] as String), arguments[1] as List<List<Any?>>)
            }
            method.isDefault -> InvocationHandler.invokeDefault(proxy, method, *arguments)
            else -> convert(peer.callHost(handle.id, hostMethodName(method.name), arguments), method.returnType)
        }
    }

    /** An adapter's functional method is the host object's own functional method under another name. */
    private fun hostMethodName(name: String): String = if (adaptedMethod != null && name == adaptedMethod.name) sam ?: name else name

    /** The adapter of [main] (a proxy of this handler) to the functional interface [type]. */
    fun adapterFor(main: Any, type: Class<*>, loader: ClassLoader): Any = adapters.getOrPut(type) {
        val handler = HostObjectProxy(peer, handle, sam, FunctionalInterfaces.samOf(type), main)
        Proxy.newProxyInstance(loader, arrayOf(type, Batchable::class.java), handler)
    }

    companion object {
        fun create(peer: ChildPeer, handle: ImportTable<Any>.ImportedHandle, ref: WireValue.Ref, loader: ClassLoader): Any {
            val interfaces = ref.interfaces.mapNotNull { name ->
                runCatching { Class.forName(name, false, loader) }.getOrNull()?.takeIf { it.isInterface && Modifier.isPublic(it.modifiers) }
            }
            val all = (interfaces + Batchable::class.java).distinct().toTypedArray()
            return Proxy.newProxyInstance(loader, all, HostObjectProxy(peer, handle, ref.sam, null, null))
        }

        fun handlerOf(value: Any): HostObjectProxy? =
            if (Proxy.isProxyClass(value.javaClass)) Proxy.getInvocationHandler(value) as? HostObjectProxy else null

        /** The host's answer as the interface method's declared type: numbers convert, `void` drops it. */
        private fun convert(result: Any?, type: Class<*>): Any? = when {
            type == Void.TYPE -> null
            result !is Number || type.isInstance(result) -> result
            type == Int::class.javaPrimitiveType || type == Int::class.javaObjectType -> result.toInt()
            type == Long::class.javaPrimitiveType || type == Long::class.javaObjectType -> result.toLong()
            type == Double::class.javaPrimitiveType || type == Double::class.javaObjectType -> result.toDouble()
            type == Float::class.javaPrimitiveType || type == Float::class.javaObjectType -> result.toFloat()
            type == Short::class.javaPrimitiveType || type == Short::class.javaObjectType -> result.toShort()
            type == Byte::class.javaPrimitiveType || type == Byte::class.javaObjectType -> result.toByte()
            else -> result
        }
    }
}
