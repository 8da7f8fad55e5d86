@file:OptIn(dev.extradite.InternalExtraditeApi::class)

package dev.extradite.internal.host

import dev.extradite.RemoteObject
import dev.extradite.UnsupportedInteractionError
import dev.extradite.internal.dispatch.OverloadResolution
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
 * declared type is an interface comes back bound to that interface; a number is widened to the
 * declared type as Java widens primitives; a result that does not fit is refused with
 * [UnsupportedInteractionError].
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
            val returnType = typeArgument(method.genericParameterTypes.last())
            val block: suspend () -> Any? = { adapt(remote.call(method.name, *callArgs), returnType, method, typeArgument = true) }
            return block.startCoroutineUninterceptedOrReturn(continuation)
        }
        if (CompletableFuture::class.java.isAssignableFrom(method.returnType)) {
            val resultType = typeArgument(method.genericReturnType)
            val call = remote.callAsync(method.name, *arguments)
            val result = call.thenApply { adapt(it, resultType, method, typeArgument = true) }
            // Cancelling the future the caller holds cancels the call, and with it the remote work.
            result.whenComplete { _, error -> if (error is java.util.concurrent.CancellationException) call.cancel(true) }
            return result
        }
        return adapt(remote.callBlocking(method.name, *arguments), method.returnType, method)
    }

    /** The class of the type argument of `Continuation<in T>` or `CompletableFuture<T>`; null when unknown. */
    private fun typeArgument(type: java.lang.reflect.Type): Class<*>? {
        val parameterized = type as? java.lang.reflect.ParameterizedType ?: return null
        val argument = parameterized.actualTypeArguments.firstOrNull() ?: return null
        val wildcard = argument as? java.lang.reflect.WildcardType
        val bound = wildcard?.lowerBounds?.firstOrNull() ?: wildcard?.upperBounds?.firstOrNull() ?: argument
        return when (bound) {
            is Class<*> -> bound
            is java.lang.reflect.ParameterizedType -> bound.rawType as? Class<*>
            else -> null
        }
    }

    /**
     * [result] as the [declared] result type of [method]: a handle bound to a declared interface,
     * a number widened as Java widens primitives; anything that does not fit is refused here,
     * naming the method, rather than failing as a `ClassCastException` or `NullPointerException`
     * at the caller. A [typeArgument] (a future's or a suspend function's result type) is always
     * a boxed type, standing for a Kotlin `Int` or `Long` as well: it widens like a primitive.
     */
    private fun adapt(result: Any?, declared: Class<*>?, method: Method, typeArgument: Boolean = false): Any? {
        if (declared == null || declared == Void.TYPE) return result
        val boxed = if (declared.isPrimitive) declared.kotlin.javaObjectType else declared
        return when {
            result == null -> if (declared.isPrimitive) throw mismatch(method, declared, "null") else null
            boxed.isInstance(result) -> result
            result is RemoteObject && declared.isInterface -> result.bind(declared)
            // A packed list of numbers, for a result declared as ArrayList.
            result is PackedList && boxed.isAssignableFrom(java.util.ArrayList::class.java) -> result.toArrayList()
            // Java widens primitives only: an Integer result does not become a declared Long.
            declared.isPrimitive || typeArgument -> widened(result, boxed) ?: throw mismatch(method, declared, "a ${result.javaClass.name}")
            else -> throw mismatch(method, declared, "a ${result.javaClass.name}")
        }
    }

    private fun mismatch(method: Method, declared: Class<*>, returned: String) = UnsupportedInteractionError(
        "${type.name}.${method.name} is declared to return ${declared.name}, but the remote ${remote.remoteType}.${method.name} returned $returned; " +
            "declare a type its results fit (its own result type, a supertype, or a boxed type where it may return null)",
    )

    companion object {
        /**
         * [value] converted to the boxed type [target] when Java would widen it implicitly (by the
         * widening conversions overload resolution uses); else null.
         */
        private fun widened(value: Any, target: Class<*>): Any? {
            val from = OverloadResolution.primitiveOf(value.javaClass) ?: return null
            val to = OverloadResolution.primitiveOf(target) ?: return null
            if (from == to || !OverloadResolution.widens(from, to)) return null
            val number: Number = if (value is Char) value.code else value as Number
            return when (target) {
                java.lang.Short::class.java -> number.toShort()
                java.lang.Integer::class.java -> number.toInt()
                java.lang.Long::class.java -> number.toLong()
                java.lang.Float::class.java -> number.toFloat()
                else -> number.toDouble()
            }
        }

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
