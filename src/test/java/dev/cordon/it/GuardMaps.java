package dev.cordon.it;

import dev.cordon.testing.Json;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The policy maps of the programs a guard attached to a cgroup, read with bpftool: which generation
 * is in force, and what each generation's IPv4 trie holds. Lets a test see that a reload never
 * writes the generation in force.
 */
final class GuardMaps {
    private final Map<String, Integer> ids = new HashMap<>();

    private GuardMaps() {}

    /** The maps of the first cordon program attached to {@code cgroup}. */
    static GuardMaps of(Path cgroup) {
        Object shown = Json.parse(HostState.bpftool("cgroup", "show", cgroup.toString(), "--json").strip());
        List<?> progs = (List<?>) shown;
        if (progs.isEmpty()) throw new AssertionError("no program attached to " + cgroup);
        Number prog = (Number) ((Map<?, ?>) progs.getFirst()).get("id");
        Map<?, ?> info = (Map<?, ?>) Json.parse(HostState.bpftool("prog", "show", "id", prog.toString(), "--json").strip());
        GuardMaps maps = new GuardMaps();
        for (Object id : (List<?>) info.get("map_ids")) {
            Map<?, ?> m = (Map<?, ?>) Json.parse(HostState.bpftool("map", "show", "id", id.toString(), "--json").strip());
            maps.ids.put((String) m.get("name"), ((Number) id).intValue());
        }
        return maps;
    }

    /** policy_generation[0] (the name is cut to 15 characters by the kernel). */
    int generation() {
        List<?> entries = dump("policy_generati");
        return ((Number) ((Map<?, ?>) ((Map<?, ?>) entries.getFirst()).get("formatted")).get("value")).intValue();
    }

    /** The prefixes in rules_v4_N, as {@code a.b.c.d/len}. */
    Set<String> rulesV4(int generation) {
        Set<String> out = new TreeSet<>();
        for (Object e : dump("rules_v4_" + generation)) {
            List<?> key = (List<?>) ((Map<?, ?>) e).get("key");
            int len = Integer.decode((String) key.get(0));
            out.add(Integer.decode((String) key.get(4)) + "." + Integer.decode((String) key.get(5)) + "."
                    + Integer.decode((String) key.get(6)) + "." + Integer.decode((String) key.get(7)) + "/" + len);
        }
        return out;
    }

    private List<?> dump(String name) {
        Integer id = ids.get(name);
        if (id == null) throw new AssertionError("no map " + name + " among " + ids.keySet());
        return (List<?>) Json.parse(HostState.bpftool("map", "dump", "id", id.toString(), "--json").strip());
    }
}
