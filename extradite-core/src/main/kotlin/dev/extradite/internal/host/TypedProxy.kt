package dev.extradite.internal.host

import dev.extradite.RemoteObject
import dev.extradite.internal.wire.PackedList
import java.lang.reflect.InvocationHandler
import java.lang.reflect.Method
import java.lang.reflect.Proxy
import java.util.concurrent.CompletableFuture
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn

/**
 * The invocation handler behind `RemoteObject.bind(type)`: each interface method becomes a call
 * of the same name on the remote object. `suspend` methods suspend, methods returning
 * `CompletableFuture` call asynchronously, all others block. A result that is a handle and whose
 * declared type is an interface comes back bound to that interface.
 */
internal class TypedProxy(val remote: RemoteObject, private val type: Class<*>) : InvocationHandler {
    override fun invoke(proxy: Any, method: Method, args: Array<out Any?>?): Any? {
        val arguments: Array<out Any?> = args ?: arrayOf<Any?>()
        if (method.declaringClass == Any::class.java) {
            return when (method.name) {
                "equals" -> arguments[0]?.let { remoteOf(it) }?.let { remote == it } ?: false
                "hashCode" -> remote.hashCode()
                else -> "${type.simpleName}($remote)"
            }
        }
        if (method.isDefault) return InvocationHandler.invokeDefault(proxy, method, *arguments)
        val parameters = method.parameterTypes
        if (parameters.isNotEmpty() && parameters.last() == Continuation::class.java) {
            @Suppress("UNCHECKED_CAST")
            val continuation = arguments.last() as Continuation<Any?>
            val callArgs: Array<Any?> = Array(arguments.size - 1) { arguments[it] }
            val returnType = suspendReturnType(method)
            val block: suspend () -> Any? = { adapt(remote.call(method.name, *callArgs), returnType) }
            return block.startCoroutineUninterceptedOrReturn(continuation)
        }
        if (CompletableFuture::class.java.isAssignableFrom(method.returnType)) {
            return remote.callAsync(method.name, *arguments)
        }
        return adapt(remote.callBlocking(method.name, *arguments), method.returnType)
    }

    /** The declared result of a suspend method, from its `Continuation<in T>` parameter. */
    private fun suspendReturnType(method: Method): Class<*>? {
        val continuationType = method.genericParameterTypes.last() as? java.lang.reflect.ParameterizedType ?: return null
        val argument = continuationType.actualTypeArguments.firstOrNull() ?: return null
        val bound = (argument as? java.lang.reflect.WildcardType)?.lowerBounds?.firstOrNull() ?: argument
        return when (bound) {
            is Class<*> -> bound
            is java.lang.reflect.ParameterizedType -> bound.rawType as? Class<*>
            else -> null
        }
    }

    private fun adapt(result: Any?, declared: Class<*>?): Any? = when {
        declared == null || declared.isInstance(result) -> result
        result is RemoteObject && declared.isInterface -> result.bind(declared)
        // A packed list of numbers, for a result declared as ArrayList.
        result is PackedList -> result.toArrayList()
        else -> result
    }

    companion object {
        fun <T : Any> create(remote: RemoteObject, type: Class<T>): T {
            require(type.isInterface) { "bind(${type.name}): only interfaces can be bound; call methods by name with call(...) instead" }
            return type.cast(Proxy.newProxyInstance(type.classLoader, arrayOf(type), TypedProxy(remote, type)))
        }

        /** The remote object behind a typed proxy, or null when [value] is not one. */
        fun remoteOf(value: Any): RemoteObject? = when {
            value is RemoteObject -> value
            Proxy.isProxyClass(value.javaClass) -> (Proxy.getInvocationHandler(value) as? TypedProxy)?.remote
            else -> null
        }
    }
}
