import csv,statistics,collections,sys
d=collections.defaultdict(list)
for r in csv.reader(open(sys.argv[1])):
    if r[0]!='icount': continue
    d[(r[1],r[2],r[3],int(r[4]))].append(float(r[8]))
for pair in [('software','evp'),('kernel','afalg')]:
  for alg in ['gcm(aes)','rfc7539(chacha20,poly1305)','sha256','hmac(sha256)']:
    for size in [16,4096,16384,65536]:
        c=d.get(('c',pair[1],alg,size)); s=d.get(('swift',pair[0],alg,size))
        if c and s:
            mc,ms=statistics.median(c),statistics.median(s)
            print(f"{pair[0]:8} vs {pair[1]:5} {alg:28} {size:6} C {mc:11.1f} Swift {ms:11.1f} ratio {mc/ms:5.3f} delta {ms-mc:9.1f}")
