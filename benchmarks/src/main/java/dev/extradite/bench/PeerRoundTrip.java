package dev.extradite.bench;

/**
 * One way for this JVM to make a round trip to another JVM process, opened once and then timed
 * block by block, so that several peers can be measured interleaved (see {@code Peers.kt}).
 */
public interface PeerRoundTrip extends AutoCloseable {
    /** Makes {@code count} round trips; the nanoseconds of each go to {@code samples} from index {@code from}. */
    void time(long[] samples, int from, int count) throws Exception;
}
