package dev.extradite.bench

import java.nio.file.Path

/**
 * The round-trip figures of the benchmark's `peers`, p50 in µs: the three; the bare
 * socket with both sides spinning instead of sleeping ([rawUdsSpin]), the floor for a reader that
 * spins, as extradite's does before it sleeps; and the same single call over the Ktor raw-socket
 * transport ([extraditeKtorSingleCall], `-Dextradite.transport=ktor`), which the default JDK
 * `SocketChannel` transport replaced for local children.
 */
data class PeerFigures(
    val rawUds: Double,
    val rmi: Double,
    val extraditeSingleCall: Double,
    val rawUdsSpin: Double,
    val extraditeKtorSingleCall: Double,
)

/**
 * Measures the bare socket, RMI and extradite round trips interleaved: each peer is opened once,
 * warmed, then timed in [blocks] blocks, the peers taking turns block by block (in a rotating
 * order). This VM switches between a fast and a slow mode for seconds at a time (the bare socket
 * measures 11 µs in one and 37 µs in the other); measured one after another, the figures
 * could come from different modes, and their ratios would mean nothing. Interleaved, every peer
 * sees the same mix. Each figure is the p50 of all of its [roundTrips] samples.
 */
fun measurePeers(java: String, classpath: String, workloadJar: Path, roundTrips: Int, blocks: Int = 30): PeerFigures {
    val opened = ArrayList<AutoCloseable>()
    fun <T : AutoCloseable> T.kept(): T = also { opened += it }
    try {
        val peers = listOf(
            RawUnixEcho(java, classpath).kept(),
            RmiEcho(java, classpath).kept(),
            ExtraditeDriver(workloadJar).kept().singleCalls(),
            RawUnixEcho(java, classpath, true).kept(),
            ExtraditeDriver(workloadJar, transport = "ktor").kept().singleCalls(),
        )
        val perBlock = maxOf(1, roundTrips / blocks)
        val warmup = LongArray(roundTrips / 5)
        for (peer in peers) peer.time(warmup, 0, warmup.size)
        val samples = List(peers.size) { LongArray(perBlock * blocks) }
        for (block in 0 until blocks) {
            for (turn in peers.indices) {
                val index = (block + turn) % peers.size
                peers[index].time(samples[index], block * perBlock, perBlock)
            }
        }
        val p50 = samples.map { it.sort(); it[it.size / 2] / 1000.0 }
        return PeerFigures(p50[0], p50[1], p50[2], p50[3], p50[4])
    } finally {
        for (peer in opened.asReversed()) peer.close()
    }
}
