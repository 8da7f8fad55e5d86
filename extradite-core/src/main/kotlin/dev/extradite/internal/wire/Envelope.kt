@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.InternalExtraditeApi
import dev.extradite.TransportPolicy
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable

/** Version of the envelope format; a child speaking another version is refused at the handshake. */
@InternalExtraditeApi
public const val PROTOCOL_VERSION: Int = 5

/**
 * Every message either side sends, one per frame. Serial names are frozen: they are the wire.
 *
 * Handshake: the child sends [Hello]; the host answers [Welcome] or [Refused]. After that either
 * side may send [Request]s; each is answered by exactly one [Response] or [Failure] with the same
 * id. [Release] is one-way.
 */
@InternalExtraditeApi
@Serializable
public sealed class Envelope {
    /** First frame from the child: proves it was started by this host. */
    @Serializable @SerialName("hello")
    public data class Hello(val protocol: Int, val token: String, val pid: Long) : Envelope()

    /**
     * The host accepts the child and tells it where the target lives, and how the child sends
     * its results: the session's default [policy] and its [typeRules] (binary type name to policy).
     */
    @Serializable @SerialName("welcome")
    public data class Welcome(
        val classpath: List<String>,
        val maxFrameSize: Int,
        val policy: TransportPolicy = TransportPolicy.VALUE,
        val typeRules: Map<String, TransportPolicy> = emptyMap(),
        /** The session's private shared-memory directory, where each side's ring for large attachments lives; null when there is none. */
        val bulkDirectory: String? = null,
        /** Attachments from this many bytes up go through the rings in [bulkDirectory]. */
        val bulkThreshold: Int = 0,
    ) : Envelope()

    /** The host refuses the connection; the child prints [reason] and exits. */
    @Serializable @SerialName("refused")
    public data class Refused(val reason: String) : Envelope()

    /**
     * A call. [chain] identifies the call chain it belongs to (the blocking caller whose thread
     * may serve nested requests of the same chain).
     */
    @Serializable @SerialName("req")
    public data class Request(val id: Long, val chain: Long, val op: Operation) : Envelope()

    @Serializable @SerialName("ok")
    public data class Response(val id: Long, val value: WireValue) : Envelope()

    @Serializable @SerialName("err")
    public data class Failure(val id: Long, val error: ErrorEnvelope) : Envelope()

    /**
     * The sender no longer uses these handles, which the receiver owns; [counts] says how many
     * times the sender had received each one, so that a release racing a re-send of the same
     * handle never frees a live object (the owner frees a handle when all its sends are released).
     */
    @Serializable @SerialName("release")
    public data class Release(val ids: List<Long>, val counts: List<Int>) : Envelope()

    /**
     * The sender no longer waits for request [id] (its caller was cancelled): the receiver
     * cancels the coroutine serving it, or interrupts the thread running its target code.
     */
    @Serializable @SerialName("cancel")
    public data class Cancel(val id: Long) : Envelope()
}

/** What a [Envelope.Request] asks the receiver to do. */
@InternalExtraditeApi
@Serializable
public sealed class Operation {
    /** Check that [type] loads in the child; answers its binary name. */
    @Serializable @SerialName("load")
    public data class LoadClass(val type: String) : Operation()

    /** Construct [type]; the result is always a handle. */
    @Serializable @SerialName("new")
    public data class New(val type: String, val args: List<WireValue>) : Operation()

    /** A call; [policy], when set, overrides how the result is sent (a per-call `withPolicy`). */
    @Serializable @SerialName("call")
    public data class Invoke(val receiver: Receiver, val method: String, val args: List<WireValue>, val policy: TransportPolicy? = null) : Operation()

    /** [method] called once per argument list, in order, stopping at the first failure. */
    @Serializable @SerialName("batch")
    public data class Batch(val receiver: Receiver, val method: String, val calls: List<List<WireValue>>, val policy: TransportPolicy? = null) : Operation()

    /** The receiver's handle table sizes: `exports` (objects it lent out) and `imports` (proxies it holds). */
    @Serializable @SerialName("stats")
    public data object Stats : Operation()

    /** A property read; [policy], when set, overrides how the value is sent, as for [Invoke]. */
    @Serializable @SerialName("get")
    public data class Get(val receiver: Receiver, val name: String, val policy: TransportPolicy? = null) : Operation()

    @Serializable @SerialName("set")
    public data class Set(val receiver: Receiver, val name: String, val value: WireValue) : Operation()
}

/** The object an operation acts on. */
@InternalExtraditeApi
@Serializable
public sealed class Receiver {
    /** Static members of a class, named by binary name. */
    @Serializable @SerialName("static")
    public data class Static(val type: String) : Receiver()

    /** An object the receiving side owns, by handle id. */
    @Serializable @SerialName("handle")
    public data class Handle(val id: Long) : Receiver()
}

/** A failure as data; the host rebuilds the matching `ExtraditeException` at the call site. */
@InternalExtraditeApi
@Serializable
public sealed class ErrorEnvelope {
    public abstract val message: String

    /**
     * Code threw: type name, message and full stack trace text. [origin] names the side that
     * threw when the exception passed through the sender from its peer (a host callback's
     * exception that left the target); null when the sender itself threw.
     */
    @Serializable @SerialName("remote")
    public data class Thrown(val type: String, val detail: String?, val traceback: String, val origin: Side? = null) : ErrorEnvelope() {
        override val message: String get() = if (detail == null) type else "$type: $detail"
    }

    @Serializable @SerialName("protocol")
    public data class Protocol(override val message: String) : ErrorEnvelope()

    @Serializable @SerialName("leak")
    public data class ModuleLeak(override val message: String) : ErrorEnvelope()

    @Serializable @SerialName("unsupported")
    public data class Unsupported(override val message: String) : ErrorEnvelope()
}
