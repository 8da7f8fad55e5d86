@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.InternalExtraditeApi
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.ServerSocket
import io.ktor.network.sockets.SocketAddress
import io.ktor.network.sockets.UnixSocketAddress
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.Dispatchers

/**
 * Where a child connects to its host: a Unix domain socket path, or TCP on loopback where Unix
 * sockets are missing. Its text form ([toString], [parse]) is the child's one argument.
 */
@InternalExtraditeApi
public sealed class Endpoint {
    public abstract val address: SocketAddress

    /** The same address for the JDK's channels. */
    public val jdkAddress: java.net.SocketAddress
        get() = when (this) {
            is Unix -> java.net.UnixDomainSocketAddress.of(path)
            is Tcp -> java.net.InetSocketAddress(host, port)
        }

    public data class Unix(val path: String) : Endpoint() {
        override val address: SocketAddress get() = UnixSocketAddress(path)
        override fun toString(): String = "unix:$path"
    }

    public data class Tcp(val host: String, val port: Int) : Endpoint() {
        override val address: SocketAddress get() = InetSocketAddress(host, port)
        override fun toString(): String = "tcp:$host:$port"
    }

    public companion object {
        /** The one selector every connection of this JVM shares. */
        public val selector: SelectorManager by lazy { SelectorManager(Dispatchers.IO) }

        public val isUnixSupported: Boolean get() = UnixSocketAddress.isSupported()

        public fun parse(text: String): Endpoint = when {
            text.startsWith("unix:") -> Unix(text.removePrefix("unix:"))
            text.startsWith("tcp:") -> {
                val rest = text.removePrefix("tcp:")
                val colon = rest.lastIndexOf(':')
                require(colon > 0) { "endpoint '$text' has no port" }
                Tcp(rest.substring(0, colon), rest.substring(colon + 1).toInt())
            }
            else -> throw IllegalArgumentException("unknown endpoint '$text'; expected unix:<path> or tcp:<host>:<port>")
        }

        public suspend fun connect(endpoint: Endpoint, maxFrameSize: Int): FrameTransport =
            KtorFrameTransport(aSocket(selector).tcp().connect(endpoint.address), maxFrameSize)

        public suspend fun listen(endpoint: Endpoint): ServerSocket = aSocket(selector).tcp().bind(endpoint.address)

        /** Connects with the blocking JDK transport. */
        public fun connectBlocking(endpoint: Endpoint, maxFrameSize: Int, spinNanos: Long): SocketChannelTransport =
            SocketChannelTransport(java.nio.channels.SocketChannel.open(endpoint.jdkAddress), maxFrameSize, spinNanos)

        /** A listening JDK channel for [endpoint] (a TCP port 0 picks a free port). */
        public fun listenBlocking(endpoint: Endpoint): java.nio.channels.ServerSocketChannel = when (endpoint) {
            is Unix -> java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)
            is Tcp -> java.nio.channels.ServerSocketChannel.open()
        }.also { it.bind(endpoint.jdkAddress) }
    }
}
