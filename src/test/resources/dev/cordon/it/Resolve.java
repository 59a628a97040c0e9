import java.net.InetAddress;
import java.net.UnknownHostException;

/** java Resolve.java NAME...: InetAddress.getAllByName, as any Java program resolves. */
public class Resolve {
    public static void main(String[] args) {
        for (String name : args) {
            long t0 = System.nanoTime();
            try {
                StringBuilder sb = new StringBuilder();
                for (InetAddress a : InetAddress.getAllByName(name)) sb.append(sb.isEmpty() ? "" : ",").append(a.getHostAddress());
                System.out.println(name + " ok " + sb + " ms=" + (System.nanoTime() - t0) / 1_000_000);
            } catch (UnknownHostException e) {
                System.out.println(name + " unknown ms=" + (System.nanoTime() - t0) / 1_000_000);
            }
        }
    }
}
