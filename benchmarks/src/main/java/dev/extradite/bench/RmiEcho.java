package dev.extradite.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.UnicastRemoteObject;

/**
 * The peer Java users know: a JDK RMI {@code int echo(int)} over loopback between two JVM
 * processes. {@code main} is the serving child; an instance is the measuring host's end.
 */
public final class RmiEcho implements PeerRoundTrip {
    /** The remote interface. */
    public interface Echo extends Remote {
        int echo(int value) throws RemoteException;
    }

    private static final class EchoImpl implements Echo {
        @Override
        public int echo(int value) {
            return value;
        }
    }

    private final Process child;
    private final Echo echo;
    private int sequence;

    /** Host: starts the RMI child with {@code java} on {@code classpath} and looks its echo up. */
    public RmiEcho(String java, String classpath) throws Exception {
        child = new ProcessBuilder(java, "-cp", classpath, RmiEcho.class.getName()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String line = new BufferedReader(new InputStreamReader(child.getInputStream())).readLine();
        if (line == null || !line.startsWith("PORT ")) {
            child.destroy();
            throw new IllegalStateException("the RMI child did not start: " + line);
        }
        int port = Integer.parseInt(line.substring(5).trim());
        echo = (Echo) LocateRegistry.getRegistry("127.0.0.1", port).lookup("echo");
    }

    /** Child: exports an Echo in a registry on a free loopback port, prints the port, serves until stdin closes. */
    public static void main(String[] args) throws Exception {
        System.setProperty("java.rmi.server.hostname", "127.0.0.1");
        Echo echo = new EchoImpl();
        Echo stub = (Echo) UnicastRemoteObject.exportObject(echo, 0);
        int port = 0;
        Registry registry = null;
        for (int candidate = 20000 + (int) (ProcessHandle.current().pid() % 20000); registry == null; candidate++) {
            try {
                registry = LocateRegistry.createRegistry(candidate);
                port = candidate;
            } catch (RemoteException busy) {
                // Try the next port.
            }
        }
        registry.rebind("echo", stub);
        System.out.println("PORT " + port);
        System.out.flush();
        while (System.in.read() >= 0) {
            // Serve until the host closes our stdin.
        }
        System.exit(0);
    }

    @Override
    public void time(long[] samples, int from, int count) throws RemoteException {
        for (int i = 0; i < count; i++) {
            int value = sequence++;
            long start = System.nanoTime();
            if (echo.echo(value) != value) throw new IllegalStateException("RMI echo returned a wrong value");
            samples[from + i] = System.nanoTime() - start;
        }
    }

    @Override
    public void close() throws Exception {
        child.getOutputStream().close();
        child.waitFor();
    }
}
