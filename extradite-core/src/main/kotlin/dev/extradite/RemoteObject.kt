@file:OptIn(InternalExtraditeApi::class)

package dev.extradite

import dev.extradite.internal.host.HostSession
import dev.extradite.internal.host.TypedProxy
import dev.extradite.internal.session.ImportTable
import dev.extradite.internal.wire.Operation
import dev.extradite.internal.wire.Receiver
import java.lang.ref.Reference
import java.util.concurrent.CompletableFuture

/**
 * A proxy of one object that lives in the child JVM.
 *
 * Every method crosses to the child: [call] and friends invoke methods by name (overloads are
 * resolved in the child on the runtime argument types, as Java would), [get]/[set] read and write
 * fields and JavaBean/Kotlin properties. Results that are values arrive as copies; other objects
 * arrive as further `RemoteObject`s. Passing a `RemoteObject` as an argument hands the child the
 * real object.
 *
 * Threading: thread safe; many calls may be in flight at once. The suspend functions never
 * block a thread; the `…Blocking` functions block the calling thread until the child answers;
 * [callAsync] returns at once.
 *
 * Errors: an exception thrown by the target arrives as [ExtraditeRemoteError]; a dead child as
 * [ExtraditeChildExitedError]; use after [close] as [ExtraditeProtocolError].
 *
 * `toString`, `equals` and `hashCode` go to the remote object. Once released, or once its
 * session is gone, they fall back to a description and to handle identity, so that logging or a
 * collection holding the proxy never throws.
 *
 * Identity and lifetime: within a session the same remote object is always the same
 * `RemoteObject` instance. The remote instance is released by [close], or automatically once the
 * `RemoteObject` (and every view from [withPolicy] and [bind]) becomes unreachable.
 *
 * ```kotlin
 * val counter = counters(3)              // RemoteClass.invoke constructs in the child
 * counter.call("increment", 2)           // 5
 * counter.get("value")                   // getValue() in the child
 * ```
 */
public class RemoteObject internal constructor(
    internal val hostSession: HostSession,
    private val imported: ImportTable<RemoteObject>.ImportedHandle,
    private val callPolicy: TransportPolicy? = null,
    /** For a [withPolicy] view: the canonical proxy, kept reachable as long as the view is. */
    private val canonical: RemoteObject? = null,
) : AutoCloseable {
    internal val handle: Long get() = imported.id
    internal val remoteType: String get() = imported.type

    /** True once [close] released the remote instance (or any view of it did). */
    public val isReleased: Boolean get() = imported.isReleased

    private val receiver get() = Receiver.Handle(handle)

    /** Calls [method] on the remote object and returns its result; suspends, never blocks. */
    public suspend fun call(method: String, vararg args: Any?): Any? {
        checkUsable()
        return pinned(args) { hostSession.call(callPolicy) { Operation.Invoke(receiver, method, it.encodeAll(args), callPolicy) } }
    }

    /** Calls [method] and blocks the calling thread until the child answers. */
    public fun callBlocking(method: String, vararg args: Any?): Any? {
        checkUsable()
        return pinned(args) { hostSession.callBlocking(callPolicy) { Operation.Invoke(receiver, method, it.encodeAll(args), callPolicy) } }
    }

    /** Calls [method] without waiting; the future completes with the result or the call's exception. */
    public fun callAsync(method: String, vararg args: Any?): CompletableFuture<Any?> {
        checkUsable()
        val result = hostSession.callAsync(callPolicy) { Operation.Invoke(receiver, method, it.encodeAll(args), callPolicy) }
        // Until the reply, the completion handler keeps this proxy and the arguments reachable.
        result.whenComplete { _, _ -> Reference.reachabilityFence(this); Reference.reachabilityFence(args) }
        return result
    }

    /** Reads a field or property: `getName()`, `isName()`, a public field `name`, or a method `name()`. */
    public suspend fun get(name: String): Any? {
        checkUsable()
        return pinned(null) { hostSession.call(callPolicy) { Operation.Get(receiver, name, callPolicy) } }
    }

    /** Blocking form of [get]. */
    public fun getBlocking(name: String): Any? {
        checkUsable()
        return pinned(null) { hostSession.callBlocking(callPolicy) { Operation.Get(receiver, name, callPolicy) } }
    }

    /** Writes a property through `setName(value)`, or a public non-final field. */
    public suspend fun set(name: String, value: Any?) {
        checkUsable()
        pinned(value) { hostSession.call(callPolicy) { Operation.Set(receiver, name, it.encode(value)) } }
    }

    /** Blocking form of [set]. */
    public fun setBlocking(name: String, value: Any?) {
        checkUsable()
        pinned(value) { hostSession.callBlocking(callPolicy) { Operation.Set(receiver, name, it.encode(value)) } }
    }

    /**
     * Calls [method] once per argument list of [calls], in order, in one round trip, and returns
     * the results in the same order. The first call that throws stops the batch; its exception
     * is thrown here and later calls do not run.
     */
    public suspend fun batch(method: String, calls: List<List<Any?>>): List<Any?> {
        checkUsable()
        return batchResults(calls, hostSession.call(callPolicy) { encoder -> Operation.Batch(receiver, method, calls.map(encoder::encodeAll), callPolicy) })
    }

    /** Blocking form of [batch]. */
    public fun batchBlocking(method: String, calls: List<List<Any?>>): List<Any?> {
        checkUsable()
        return batchResults(calls, hostSession.callBlocking(callPolicy) { encoder -> Operation.Batch(receiver, method, calls.map(encoder::encodeAll), callPolicy) })
    }

    /** A batch's reply: one result per call, as the protocol promises. */
    private fun batchResults(calls: List<List<Any?>>, reply: Any?): List<Any?> {
        val results = hostSession.expectReply<List<Any?>>(reply, "a batch of ${calls.size} calls")
        if (results.size != calls.size) {
            throw ExtraditeProtocolError(
                "the child answered a batch of ${calls.size} calls with ${results.size} results; its extradite runtime does not follow the protocol. " +
                    "Close the session and start a new one.",
            )
        }
        return results
    }

    /**
     * A view of this object whose calls, batches and property reads send their arguments and
     * return their results under [policy] (a per-call override: it beats type rules and the
     * session's default); it shares this object's lifetime.
     */
    public fun withPolicy(policy: TransportPolicy): RemoteObject = RemoteObject(hostSession, imported, policy, canonical ?: this)

    /**
     * A typed proxy implementing the interface [type] (which the host knows; the remote class
     * need not implement it): each method calls the remote method of the same name. `suspend`
     * methods suspend, methods returning `CompletableFuture` are asynchronous, others block.
     */
    public fun <T : Any> bind(type: Class<T>): T = TypedProxy.create(this, type)

    /** Releases the remote instance; later calls fail with [ExtraditeProtocolError]. Idempotent. */
    override fun close() {
        imported.release()
    }

    /**
     * Runs a call, keeping this proxy and [arguments] reachable until its reply: otherwise the
     * garbage collector could release a handle while a call on it is still on its way.
     */
    private inline fun <T> pinned(arguments: Any?, call: () -> T): T = try {
        call()
    } finally {
        Reference.reachabilityFence(this)
        Reference.reachabilityFence(arguments)
    }

    internal fun checkUsable() {
        if (imported.isReleased) {
            throw ExtraditeProtocolError("handle $handle ($remoteType) was released by close(); it cannot be used any more, obtain a new proxy")
        }
    }

    private val isReachable: Boolean get() = !imported.isReleased && hostSession.isOpen

    /**
     * The remote object's `toString()`; a description by handle and type when it is released, its
     * child is gone, or its own `toString()` returns null or throws (the description says which).
     */
    override fun toString(): String {
        var failure: ExtraditeException? = null
        if (isReachable) {
            try {
                // A target's toString() may return null, as Java allows: the description serves then.
                (callBlocking("toString") as? String)?.let { return it }
            } catch (e: ExtraditeException) {
                // Fall through to the description: toString must not throw.
                failure = e
            }
        }
        val state = when {
            imported.isReleased -> ", released"
            !hostSession.isOpen -> ", session closed"
            failure is ExtraditeRemoteError -> ", its toString() threw ${failure.remoteTypeName}"
            failure != null -> ", its toString() failed: ${failure.javaClass.simpleName}"
            else -> ""
        }
        return "RemoteObject(handle $handle of $remoteType$state)"
    }

    /** True for the same remote object; otherwise the remote object's `equals`. */
    override fun equals(other: Any?): Boolean {
        if (this === other) return true
        val otherRemote = other?.let { TypedProxy.remoteOf(it) }
        if (otherRemote != null && otherRemote.hostSession === hostSession && otherRemote.handle == handle) return true
        if (!isReachable || (otherRemote != null && otherRemote.hostSession !== hostSession)) return false
        return try {
            callBlocking("equals", other) == true
        } catch (_: ExtraditeException) {
            false
        }
    }

    /** The remote object's `hashCode()`; the handle id when it is released or its child is gone. */
    override fun hashCode(): Int {
        if (isReachable) {
            try {
                (callBlocking("hashCode") as? Int)?.let { return it }
            } catch (_: ExtraditeException) {
                // Fall through.
            }
        }
        return handle.hashCode()
    }
}

/** A typed proxy implementing [T]; see [RemoteObject.bind]. */
public inline fun <reified T : Any> RemoteObject.bind(): T = bind(T::class.java)
