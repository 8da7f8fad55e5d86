@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.bench

import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.dispatch.Invoker
import dev.extradite.internal.wire.CodecContext
import dev.extradite.internal.wire.Envelope
import dev.extradite.internal.wire.EnvelopeCodec
import dev.extradite.internal.wire.Frame
import dev.extradite.internal.wire.Message
import dev.extradite.internal.wire.Operation
import dev.extradite.internal.wire.Receiver
import dev.extradite.internal.wire.Side
import dev.extradite.internal.wire.ValueDecoder
import dev.extradite.internal.wire.ValueEncoder
import dev.extradite.internal.wire.WireValue
import kotlin.coroutines.Continuation
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn

/** What the JMH micro-benchmarks (Java, in `jmh/`) measure: one envelope's codec, one dispatch. */
object MicroTargets {
    class Target {
        fun increment(delta: Int): Int = delta + 1
    }

    private val context = object : CodecContext {
        override fun referenceOf(value: Any): WireValue.Ref? = null
        override fun export(value: Any): WireValue.Ref = WireValue.Ref(Side.CHILD, 1, value.javaClass.name)
        override fun import(ref: WireValue.Ref): Any? = null
        override fun loadValueType(name: String): Class<*> = Class.forName(name)
    }

    /** Encodes a request `increment(5)` to frame bytes and decodes it back, as one call's envelope costs on each side. */
    @JvmStatic
    fun requestRoundTrip(value: Any?): Any? {
        val encoder = ValueEncoder(context)
        val op = Operation.Invoke(Receiver.Handle(7), "increment", listOf(encoder.encode(value)))
        val bytes = EnvelopeCodec.encode(Message(Envelope.Request(1, 2, op), encoder.attachments)).toBytes()
        val message = EnvelopeCodec.decode(Frame.parseBody(bytes.copyOfRange(4, bytes.size)))
        val decoded = (message.envelope as Envelope.Request).op as Operation.Invoke
        return ValueDecoder(context, message.attachments).decode(decoded.args[0])
    }

    private val invoker = Invoker(MicroTargets::class.java.classLoader)
    private val target = Target()
    private val arguments = arrayOf<Any?>(5)

    /** One dispatch through the invoker's cached reflective member. */
    @JvmStatic
    fun dispatch(): Any? {
        val block: suspend () -> Any? = { invoker.call(target, Target::class.java, "increment", arguments) }
        val result = block.startCoroutineUninterceptedOrReturn(NoSuspension)
        check(result !== COROUTINE_SUSPENDED)
        return result
    }

    @JvmStatic
    fun direct(): Any = target.increment(5)

    private object NoSuspension : Continuation<Any?> {
        override val context = EmptyCoroutineContext
        override fun resumeWith(result: Result<Any?>) = error("the dispatch suspended")
    }
}
