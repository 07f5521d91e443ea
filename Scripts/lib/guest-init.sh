#!/bin/busybox sh
# /init of the kernel-vm initramfs (static busybox). Mounts the host root read-only over 9p, loads the AF_ALG
# modules with the host's kmod against the cached kernel's modules, runs the host-written run script in a chroot,
# reports its exit status on the console and in the run directory, and powers off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
echo 0 >/proc/sys/kernel/printk 2>/dev/null

fail() { echo "@@KCAPI-VM-ERROR $*@@"; echo "@@KCAPI-VM-EXIT 125@@"; sync; poweroff -f; sleep 5; }

# Kernel command line parameters that the kernel does not know are passed to init as environment variables:
# kcapi_run (run dir on the host), kcapi_cache (kernel root with lib/modules), kcapi_rw (optional rw share path).
[ -n "$kcapi_run" ] || fail "no kcapi_run on the kernel command line"
while read -r m; do
    [ -n "$m" ] && insmod "/mods/$m" || echo "kernel-vm: insmod $m failed"
done </mods/order

R=/mnt/root
mkdir -p $R
O9P="trans=virtio,version=9p2000.L,msize=262144"
mount -t 9p -o "$O9P,ro,cache=loose" hostroot $R || fail "cannot mount the host root over 9p"
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs shm $R/dev/shm
# /tmp: writable, but still showing the host's /tmp (a clone or cache may live there): overlay with a tmpfs upper.
mkdir -p /ovl && mount -t tmpfs ovl /ovl && mkdir -p /ovl/upper /ovl/work && chmod 1777 /ovl/upper
mount -t overlay overlay -o lowerdir=$R/tmp,upperdir=/ovl/upper,workdir=/ovl/work $R/tmp || {
    echo "kernel-vm: overlay on /tmp failed; using an empty tmpfs (host /tmp is hidden in the guest)"
    mount -t tmpfs -o mode=1777 tmp $R/tmp
}
mount -t tmpfs run $R/run
# The run dir and the optional rw share are mounted over the same absolute paths as on the host (possibly inside
# the fresh /tmp tmpfs, hence the mkdir).
mkdir -p "$R$kcapi_run" 2>/dev/null
mount -t 9p -o "$O9P" runshare "$R$kcapi_run" || fail "cannot mount the run directory"
if [ -n "$kcapi_rw" ]; then
    mkdir -p "$R$kcapi_rw" 2>/dev/null
    mount -t 9p -o "$O9P" rwshare "$R$kcapi_rw" || fail "cannot mount the rw share at $kcapi_rw"
fi

# /lib/modules/$(uname -r) as on an installed system (the guest kernel's modules.alias and modules.builtin, which
# the library reads to tell a policy refusal from an unknown name): a tmpfs over the host's, with a link to the cache.
# Without a host /usr/lib/modules, /usr/lib gets a tmpfs overlay (as /tmp) so that the directory can be made.
M=$R/usr/lib/modules
if [ ! -d "$M" ]; then
    mkdir -p /ovl/lib/upper /ovl/lib/work
    mount -t overlay overlay -o lowerdir=$R/usr/lib,upperdir=/ovl/lib/upper,workdir=/ovl/lib/work $R/usr/lib \
        && mkdir -p "$M"
fi
if [ -d "$M" ] && mount -t tmpfs -o mode=755 kmods "$M"; then
    ln -s "$kcapi_cache/lib/modules/$(uname -r)" "$M/$(uname -r)"
fi

# Module autoload (request_module) runs the usermode helper in this initramfs root: forward it into the chroot.
# A lookup that failed fails again at once: the kernel asks for every bind of an unknown name (crypto-NAME,
# crypto-NAME-all, the template), about 2.4 s per bind under TCG through chroot and the host's modprobe (64 failed
# binds of one name: 157 s before, 9 s after), and the module tree cannot change during the run. The kernel gets the
# same exit status (1) either way.
cat >/sbin/modprobe <<EOT
#!/bin/sh
grep -qxF -- "\$*" /modprobe.failed 2>/dev/null && exit 1
/bin/chroot $R /sbin/modprobe -d "$kcapi_cache" "\$@" && exit 0
rc=\$?
echo "\$*" >>/modprobe.failed
exit \$rc
EOT
chmod +x /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe

echo "@@KCAPI-VM-UNAME $(uname -r)@@"
/sbin/modprobe -a af_alg algif_skcipher algif_aead algif_hash algif_rng crypto_user \
    || echo "kernel-vm: modprobe of the AF_ALG modules failed"
echo "@@KCAPI-VM-BEGIN@@"
chroot $R /bin/bash "$kcapi_run/run.sh" </dev/null
rc=$?
echo "$rc" >"$R$kcapi_run/status"
sync
echo "@@KCAPI-VM-EXIT $rc@@"
[ -n "$kcapi_rw" ] && umount "$R$kcapi_rw"
umount "$R$kcapi_run"
poweroff -f
sleep 10
