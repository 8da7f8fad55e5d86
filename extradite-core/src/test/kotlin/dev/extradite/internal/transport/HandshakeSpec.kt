@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.wire.Envelope
import dev.extradite.internal.wire.PROTOCOL_VERSION
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import java.nio.ByteBuffer
import java.nio.channels.SocketChannel
import java.nio.file.Files

/** The handshake over a real Unix domain socket: the right token is welcomed, anything else refused. */
class HandshakeSpec : FunSpec({
    // Each exchange gets its own directory in here; the whole tree goes after the spec.
    val sockets = tempdir("handshake").toPath()
    val welcome = Envelope.Welcome(listOf("/lib/heavy.jar"), 1 shl 20)

    suspend fun exchange(presented: String, protocol: Int = PROTOCOL_VERSION): Pair<Result<Long>, Result<Envelope.Welcome>> {
        val directory = Files.createTempDirectory(sockets, "exchange")
        val endpoint = Endpoint.Unix(directory.resolve("s").toString())
        val server = Endpoint.listen(endpoint)
        return try {
            coroutineScope {
                val host = async {
                    runCatching { Handshake.accept(KtorFrameTransport(server.accept(), 1 shl 20), "right-token", welcome) }
                }
                val child = async {
                    runCatching { Handshake.introduce(Endpoint.connect(endpoint, 1 shl 20), presented, protocol) }
                }
                host.await() to child.await()
            }
        } finally {
            server.close()
        }
    }

    test("the right token is welcomed with the session settings") {
        val (host, child) = exchange("right-token")
        host.getOrThrow() shouldBe ProcessHandle.current().pid()
        child.getOrThrow() shouldBe welcome
    }

    test("a wrong token is refused on both ends with a clear reason") {
        val (host, child) = exchange("wrong-token")
        val hostError = host.exceptionOrNull() as ExtraditeProtocolError
        hostError.message shouldContain "wrong authentication token"
        val childError = child.exceptionOrNull() as ExtraditeProtocolError
        childError.message shouldContain "refused"
        childError.message shouldContain "wrong authentication token"
    }

    test("a different protocol version is refused, naming both versions") {
        val (host, child) = exchange("right-token", protocol = PROTOCOL_VERSION + 1)
        (host.exceptionOrNull() as ExtraditeProtocolError).message shouldContain "protocol version ${PROTOCOL_VERSION + 1}"
        (child.exceptionOrNull() as ExtraditeProtocolError).message shouldContain "refused"
    }

    test("a peer announcing a frame above the maximum is refused before anything is allocated") {
        val directory = Files.createTempDirectory(sockets, "oversize")
        val endpoint = Endpoint.Unix(directory.resolve("s").toString())
        val server = Endpoint.listen(endpoint)
        try {
            coroutineScope {
                val receiving = async { runCatching { KtorFrameTransport(server.accept(), 1024).receive() } }
                SocketChannel.open(java.net.UnixDomainSocketAddress.of(endpoint.path)).use { raw ->
                    raw.write(ByteBuffer.allocate(4).putInt(Int.MAX_VALUE).flip())
                    val error = receiving.await().exceptionOrNull()
                    (error as ExtraditeProtocolError).message shouldContain "between 9 and 1024 bytes"
                }
            }
        } finally {
            server.close()
        }
    }
})
