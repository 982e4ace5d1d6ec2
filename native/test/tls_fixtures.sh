#!/bin/sh
# tls_fixtures.sh DIR — certificates for test_tls, made with the openssl CLI (3.0+).
#
#   ca          root CA (EC P-256), self-signed, CA:TRUE
#   leaf_ec     localhost (SAN DNS:localhost), EC P-256, signed by ca
#   leaf_rsa    localhost, RSA-2048, signed by ca
#   expired     localhost, EC, signed by ca, valid 2020-01-01 .. 2021-01-01 (openssl ca -startdate/-enddate)
#   wronghost   wrong.example (SAN DNS:wrong.example), EC, signed by ca
#   selfsigned  localhost, EC, self-signed end-entity (CA:FALSE)
#
# For each NAME: NAME.key, NAME.pem, NAME.der and NAME.pin (hex SHA-256 of the DER
# SubjectPublicKeyInfo, computed by openssl: x509 -pubkey | pkey -pubin -outform der | dgst).
#
# Idempotent: does nothing when the set is complete, of this version, and the leaves are valid
# for another week; otherwise regenerates everything (about a second).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
command -v openssl >/dev/null 2>&1 || { echo "tls_fixtures.sh: openssl not found" >&2; exit 77; }

dir=$1
version=tickwire-tls-fixtures-1
names="ca leaf_ec leaf_rsa expired wronghost selfsigned"

mkdir -p "$dir"
cd "$dir"

complete=1
[ "$(cat stamp 2>/dev/null || true)" = "$version" ] || complete=0
for n in $names; do
	for ext in key pem der pin; do
		[ -s "$n.$ext" ] || complete=0
	done
done
if [ $complete = 1 ]; then
	for n in ca leaf_ec leaf_rsa wronghost selfsigned; do
		openssl x509 -in "$n.pem" -noout -checkend 604800 >/dev/null 2>&1 || complete=0
	done
fi
[ $complete = 1 ] && exit 0

rm -rf work stamp
for n in $names; do rm -f "$n.key" "$n.pem" "$n.der" "$n.pin" "$n.csr"; done
mkdir -p work/newcerts
: > work/index.txt
openssl rand -hex 8 > work/serial

cat > work/openssl.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder

[ca]
default_ca = testca
[testca]
database = work/index.txt
new_certs_dir = work/newcerts
serial = work/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[policy_any]
commonName = supplied

[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[v3_leaf_ec]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_leaf_rsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_wronghost]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_self]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
EOF
cnf=work/openssl.cnf

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 8)"; }

# Root CA.
ec_key ca.key
openssl req -config "$cnf" -new -x509 -key ca.key -sha256 -days 3650 \
	-subj "/O=tickwire tests/CN=tickwire test root CA" -extensions v3_ca -set_serial "$(serial)" -out ca.pem

# Leaves signed by the CA: NAME SUBJECT EXTENSIONS KEYTYPE
leaf() {
	if [ "$4" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
	else
		ec_key "$1.key"
	fi
	openssl req -config "$cnf" -new -key "$1.key" -subj "$2" -out "$1.csr"
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -set_serial "$(serial)" -days 825 \
		-sha256 -extfile "$cnf" -extensions "$3" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr"
}
leaf leaf_ec "/CN=localhost" v3_leaf_ec ec
leaf leaf_rsa "/CN=localhost" v3_leaf_rsa rsa
leaf wronghost "/CN=wrong.example" v3_wronghost ec

# Expired: `openssl x509 -req` cannot backdate in 3.0, `openssl ca` can.
ec_key expired.key
openssl req -config "$cnf" -new -key expired.key -subj "/CN=localhost" -out expired.csr
openssl ca -batch -config "$cnf" -name testca -cert ca.pem -keyfile ca.key -in expired.csr \
	-startdate 20200101000000Z -enddate 20210101000000Z -extensions v3_leaf_ec -notext \
	-out expired.pem 2>/dev/null
rm -f expired.csr

# Self-signed end entity.
ec_key selfsigned.key
openssl req -config "$cnf" -new -x509 -key selfsigned.key -sha256 -days 825 -subj "/CN=localhost" \
	-extensions v3_self -set_serial "$(serial)" -out selfsigned.pem

for n in $names; do
	openssl x509 -in "$n.pem" -outform der -out "$n.der"
	openssl x509 -in "$n.pem" -pubkey -noout | openssl pkey -pubin -outform der \
		| openssl dgst -sha256 -r | cut -d' ' -f1 > "$n.pin"
done
rm -rf work
echo "$version" > stamp
