"""Forward signal models: tissue parameters in, MR signals out.

Pure, vectorised numpy functions used to build the phantom study and, in
reverse, by the map fitters (e.g. the MP2RAGE lookup table).

Modules
-------
mp2rage
    MP2RAGE inversion images and UNI (Marques et al. 2010).
gre
    Multi-echo gradient echo magnitude and phase; dipole field from susceptibility.
spin_echo
    Multi-echo spin echo decay.
diffusion
    Diffusion tensor signal for b-values and b-vectors.
noise
    Rician noise at a given SNR.
"""
