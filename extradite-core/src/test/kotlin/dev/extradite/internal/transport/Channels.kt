package dev.extradite.internal.transport

import java.net.StandardProtocolFamily
import java.net.UnixDomainSocketAddress
import java.nio.channels.ServerSocketChannel
import java.nio.channels.SocketChannel
import java.nio.file.Files

/** Two ends of one real Unix socket connection, the first accepted, the second connecting; nothing is left in the file system. */
fun connectedChannels(): Pair<SocketChannel, SocketChannel> {
    val directory = Files.createTempDirectory("transport")
    val address = UnixDomainSocketAddress.of(directory.resolve("s"))
    ServerSocketChannel.open(StandardProtocolFamily.UNIX).use { server ->
        server.bind(address)
        val peer = SocketChannel.open(address)
        val accepted = server.accept()
        Files.deleteIfExists(directory.resolve("s"))
        Files.delete(directory)
        return accepted to peer
    }
}
