@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.child

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.dispatch.FunctionalAdapter
import dev.extradite.internal.dispatch.FunctionalInterfaces
import dev.extradite.internal.dispatch.Invoker
import dev.extradite.internal.session.ImportTable
import dev.extradite.internal.session.Peer
import dev.extradite.internal.session.PolicyRules
import dev.extradite.internal.session.Session
import dev.extradite.internal.session.toException
import dev.extradite.internal.wire.Envelope
import dev.extradite.internal.wire.Message
import dev.extradite.internal.wire.Operation
import dev.extradite.internal.wire.Outcome
import dev.extradite.internal.wire.Suspending
import dev.extradite.internal.wire.Receiver
import dev.extradite.internal.wire.Side
import dev.extradite.internal.wire.ValueDecoder
import dev.extradite.internal.wire.ValueEncoder
import dev.extradite.internal.wire.WireValue
import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.withContext
import kotlin.coroutines.CoroutineContext

/**
 * The child's [Peer]: serves the host's calls on target objects, loads target classes by name,
 * and turns host objects (callbacks) into proxies the target can call.
 */
internal class ChildPeer(
    private val loader: ClassLoader,
    policies: PolicyRules,
) : Peer(Side.CHILD, policies), FunctionalAdapter {
    lateinit var session: Session

    override val invoker = Invoker(loader, this)

    private val imports = ImportTable<Any> { id, count -> session.release(id, count) }

    override val importCount: Int get() = imports.size

    /**
     * Runs each request with the target's class loader as the thread's context class loader, as a
     * library expects of the application that loaded it (ServiceLoader, JAXB, logging frameworks
     * look there), and puts back what was there: a target that changes it does not pass it on to
     * the next request on this thread.
     */
    override fun handle(request: Envelope.Request, attachments: List<ByteArray>): Outcome {
        val thread = Thread.currentThread()
        val previous = thread.contextClassLoader
        thread.contextClassLoader = loader
        val outcome = try {
            super.handle(request, attachments)
        } finally {
            thread.contextClassLoader = previous
        }
        // A suspend member runs later, and resumes on whatever thread: the loader goes with it.
        return if (outcome is Suspending) Suspending { withContext(targetLoader) { outcome.rest() } } else outcome
    }

    private val targetLoader = ContextClassLoader(loader)

    override fun loadTargetClass(name: String): Class<*> = invoker.loadClass(name)

    override fun loadValueType(name: String): Class<*> = invoker.loadClass(name)

    override fun referenceOf(value: Any): WireValue.Ref? =
        HostObjectProxy.handlerOf(value)?.let { WireValue.Ref(Side.HOST, it.handle.id, it.handle.type) }

    override fun import(ref: WireValue.Ref): Any? = when (ref.owner) {
        Side.CHILD -> exports.get(ref.id)
        Side.HOST -> imports.import(ref.id, ref.type) { handle -> HostObjectProxy.create(this, handle, ref, loader) }
    }

    override fun canAdapt(value: Any, type: Class<*>): Boolean {
        val handler = HostObjectProxy.handlerOf(value) ?: return false
        return handler.sam != null && FunctionalInterfaces.samOf(type) != null
    }

    override fun adapt(value: Any, type: Class<*>): Any = HostObjectProxy.handlerOf(value)!!.adapterFor(value, type, loader)

    /** Calls [method] on the host object of [handle], blocking this thread (it serves nested calls of its chain meanwhile). */
    fun callHost(handle: Long, method: String, arguments: Array<out Any?>): Any? =
        requestHost { encoder -> Operation.Invoke(Receiver.Handle(handle), method, encoder.encodeAll(arguments)) }

    /** Calls [method] once per argument list on the host object of [handle], in one round trip. */
    fun batchHost(handle: Long, method: String, calls: List<List<Any?>>): List<Any?> {
        @Suppress("UNCHECKED_CAST")
        return requestHost { encoder -> Operation.Batch(Receiver.Handle(handle), method, calls.map { args -> args.map(encoder::encode) }) } as List<Any?>
    }

    private fun requestHost(build: (ValueEncoder) -> Operation): Any? {
        val encoder = ValueEncoder(this)
        val op = build(encoder)
        val reply = session.callBlocking { chain -> session.request(op, encoder.attachments, chain) }
        return when (val envelope = reply.envelope) {
            is Envelope.Response -> ValueDecoder(this, reply.attachments).decode(envelope.value)
            is Envelope.Failure -> throw envelope.error.toException(Side.HOST)
            else -> throw ExtraditeProtocolError("the host answered a call with a ${envelope::class.simpleName}")
        }
    }
}

/** Makes [loader] the context class loader of every thread a coroutine runs on, putting back what was there when it leaves. */
private class ContextClassLoader(private val loader: ClassLoader) : ThreadContextElement<ClassLoader?> {
    companion object Key : CoroutineContext.Key<ContextClassLoader>

    override val key: CoroutineContext.Key<ContextClassLoader> get() = Key

    override fun updateThreadContext(context: CoroutineContext): ClassLoader? {
        val thread = Thread.currentThread()
        return thread.contextClassLoader.also { thread.contextClassLoader = loader }
    }

    override fun restoreThreadContext(context: CoroutineContext, oldState: ClassLoader?) {
        Thread.currentThread().contextClassLoader = oldState
    }
}
