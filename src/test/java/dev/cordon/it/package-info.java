/**
 * Kernel and end-to-end tests of {@code cordon run}: the real launcher ({@code bin/cordon}), a real
 * cgroup, real BPF programs, real clients (curl, python3) inside the session against listeners the
 * tests open on loopback addresses (127.0.0.2, 127.0.0.3, ::1, ...). No traffic leaves the host.
 *
 * <p>Run: {@code mvn -B verify} as root (failsafe runs the {@code *IT} classes after
 * {@code package}); one class: {@code mvn -B verify -Dit.test=EnforcementIT}. On a host without
 * root, cgroup2, BTF or working BPF every test fails with one message saying what is missing;
 * none is skipped. {@link dev.cordon.it.KernelTestSupport} also checks after each test and after the
 * whole run that no {@code cordon-*} cgroup and no extra {@code cgroup_sock_addr} program is left.
 */
package dev.cordon.it;
