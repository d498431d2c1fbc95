/// `Xor` with trained parameters, written by `backprop_runtime::bake`.
pub const TRAINED_XOR: Xor = Xor {
    w11: 7.646828,
    w21: -7.834956,
    b1: -4.042148,
    w12: 7.5473294,
    w22: -7.243379,
    b2: 3.5972295,
    u1: 14.455395,
    u2: -14.032536,
    c: 6.7222815,
};
