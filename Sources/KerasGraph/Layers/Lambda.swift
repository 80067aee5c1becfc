// Lambda: refused at every stage. Its config holds Python bytecode, which SpikeForge never
// executes; the registry answers its class with this reason instead of "unsupported".

enum LambdaLayer {
    static let className = "Lambda"
    static let refusal =
        "Lambda layers hold Python code, which SpikeForge never executes; rebuild the model with standard layers"
}
