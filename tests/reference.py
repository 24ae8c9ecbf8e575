"""Plain float64 NumPy references that the fast paths are tested against."""

import numpy as np


def diagonal_loop(lam, u):
    """h_t = lam_t h_{t-1} + u_t by a Python loop; lam (N,) or (T, N), u (..., T, N)."""
    lam = np.asarray(lam, np.complex128)
    u = np.asarray(u, np.complex128)
    T = u.shape[-2]
    lam_t = np.broadcast_to(lam if lam.ndim == u.ndim else lam[..., None, :], u.shape)
    h = np.zeros(u.shape[:-2] + u.shape[-1:], np.complex128)
    out = np.empty_like(u)
    for t in range(T):
        h = lam_t[..., t, :] * h + u[..., t, :]
        out[..., t, :] = h
    return out


def dense_loop(A, u):
    """h_t = A h_{t-1} + u_t with a dense (N, N) matrix; u (..., T, N)."""
    A = np.asarray(A, np.float64)
    u = np.asarray(u, np.float64)
    h = np.zeros(u.shape[:-2] + u.shape[-1:])
    out = np.empty_like(u)
    for t in range(u.shape[-2]):
        h = h @ A.T + u[..., t, :]
        out[..., t, :] = h
    return out


def convolution_loop(kernel, u):
    """y_t = sum_{k<=t} K_k u_{t-k}; kernel (T, N) per channel or (T, o, i)."""
    kernel = np.asarray(kernel, np.complex128)
    u = np.asarray(u, np.complex128)
    T = u.shape[-2]
    shape = u.shape[:-1] + ((kernel.shape[1],) if kernel.ndim == 3 else u.shape[-1:])
    y = np.zeros(shape, np.complex128)
    for t in range(T):
        for k in range(t + 1):
            if kernel.ndim == 2:
                y[..., t, :] += kernel[k] * u[..., t - k, :]
            else:
                y[..., t, :] += u[..., t - k, :] @ kernel[k].T
    return y


def finite_difference_grad(f, x, eps=1e-6):
    """Central differences of a scalar function of a real float64 array."""
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = eps * max(1.0, abs(x[i]))
        xp, xm = x.copy(), x.copy()
        xp[i] += step
        xm[i] -= step
        g[i] = (f(xp) - f(xm)) / (2 * step)
    return g
