@file:OptIn(InternalExtraditeApi::class)

package dev.extradite

import dev.extradite.internal.host.HostSession
import dev.extradite.internal.host.SessionRegistry
import dev.extradite.internal.wire.Operation
import dev.extradite.internal.wire.Receiver
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicBoolean

/**
 * A class that lives in a child JVM: construct it with [invoke] (or [newInstance] from Java),
 * and reach its static methods, fields and properties with [call], [get] and [set].
 *
 * Obtained from [extradite] or [ExtraditeBuilder.open]; the child JVM is running and the target
 * class loaded by the time you hold one. Each `RemoteClass` is a handle on its child: [close]
 * stops the child when it was the last handle (see `shareKey` and `keepAlive`), and with it every
 * [RemoteObject] it produced.
 *
 * Threading: thread safe. Suspend functions never block a thread; `…Blocking` functions and
 * [newInstance] block the calling thread until the child answers.
 *
 * ```kotlin
 * extradite("com.acme.heavy.Counter") { classpath("libs/heavy.jar") }.use { counters ->
 *     val counter = counters(3)
 *     println(counter.call("increment", 2))    // 5
 *     println(counters.get("INSTANCES"))       // a static field
 * }
 * ```
 */
public class RemoteClass internal constructor(
    internal val hostSession: HostSession,
    /** The binary name of the target class, for example `com.acme.heavy.Counter`. */
    public val target: String,
) : AutoCloseable {
    private val closed = AtomicBoolean(false)
    private val statics = Receiver.Static(target)

    /** Constructs an instance in the child, choosing the constructor from the arguments' runtime types. */
    public suspend operator fun invoke(vararg args: Any?): RemoteObject {
        checkOpen()
        return hostSession.expectReply(pinned(args) { hostSession.call(null) { Operation.New(target, it.encodeAll(args)) } }, "a constructor call")
    }

    /** Blocking form of [invoke], for Java. */
    public fun newInstance(vararg args: Any?): RemoteObject {
        checkOpen()
        return hostSession.expectReply(pinned(args) { hostSession.callBlocking(null) { Operation.New(target, it.encodeAll(args)) } }, "a constructor call")
    }

    /** Calls the static method [method] (or a method of a Kotlin `companion object`). */
    public suspend fun call(method: String, vararg args: Any?): Any? {
        checkOpen()
        return pinned(args) { hostSession.call(null) { Operation.Invoke(statics, method, it.encodeAll(args)) } }
    }

    /** Blocking form of [call]. */
    public fun callBlocking(method: String, vararg args: Any?): Any? {
        checkOpen()
        return pinned(args) { hostSession.callBlocking(null) { Operation.Invoke(statics, method, it.encodeAll(args)) } }
    }

    /** Calls the static method [method] without waiting; the future completes with the result or the call's exception. */
    public fun callAsync(method: String, vararg args: Any?): CompletableFuture<Any?> {
        checkOpen()
        val result = hostSession.callAsync(null) { Operation.Invoke(statics, method, it.encodeAll(args)) }
        // Until the reply, the completion handler keeps the arguments (proxies among them) reachable.
        result.whenComplete { _, _ -> java.lang.ref.Reference.reachabilityFence(args) }
        return result
    }

    /** Reads a static field or property (`getName()`, `isName()`, the field `name`, or a companion's property). */
    public suspend fun get(name: String): Any? {
        checkOpen()
        return hostSession.call(null) { Operation.Get(statics, name) }
    }

    /** Blocking form of [get]. */
    public fun getBlocking(name: String): Any? {
        checkOpen()
        return hostSession.callBlocking(null) { Operation.Get(statics, name) }
    }

    /** Writes a static property (`setName(value)`) or a static non-final field. */
    public suspend fun set(name: String, value: Any?) {
        checkOpen()
        pinned(value) { hostSession.call(null) { Operation.Set(statics, name, it.encode(value)) } }
    }

    /** Blocking form of [set]. */
    public fun setBlocking(name: String, value: Any?) {
        checkOpen()
        pinned(value) { hostSession.callBlocking(null) { Operation.Set(statics, name, it.encode(value)) } }
    }

    /**
     * The transport policy that applies to [value] when passed as an argument, and where it
     * came from: a scalar (null, a primitive's box, `String`) always travels as a value;
     * otherwise [callPolicy] when given, else the most specific `typeRule`, else the session
     * default.
     */
    @JvmOverloads
    public fun effectivePolicy(value: Any?, callPolicy: TransportPolicy? = null): PolicyTrace =
        hostSession.policies.trace(value, callPolicy)

    /**
     * The sizes of this session's handle tables on both sides (asks the child; blocks). Useful to
     * check that callbacks and proxies are released.
     */
    public fun stats(): SessionStats {
        checkOpen()
        return hostSession.stats()
    }

    /**
     * Closes this handle on the child JVM. The child stops when this was its last handle (for a
     * shared session, after its keep-alive); then every proxy of it becomes unusable. Idempotent;
     * may block a few seconds while the child stops.
     */
    override fun close() {
        if (closed.compareAndSet(false, true)) SessionRegistry.release(hostSession)
    }

    /** Keeps [arguments] (proxies among them) reachable until the call's reply. */
    private inline fun <T> pinned(arguments: Any?, call: () -> T): T = try {
        call()
    } finally {
        java.lang.ref.Reference.reachabilityFence(arguments)
    }

    private fun checkOpen() {
        if (closed.get()) throw ExtraditeProtocolError("RemoteClass $target was closed; create a new one with extradite(...)")
    }

    override fun toString(): String = "RemoteClass($target)"
}

/** Loads the target in the child so that a missing class fails `open()` rather than the first call. */
internal fun RemoteClass.callBlockingLoad() {
    hostSession.callBlocking(null) { Operation.LoadClass(target) }
}
