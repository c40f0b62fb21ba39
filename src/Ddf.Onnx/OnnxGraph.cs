using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>
/// The ONNX graph that <see cref="onnx.export"/> builds: nodes in the default (standard) domain, initializers from
/// module parameters and buffers, and constants. Modules write themselves into it (<see cref="IOnnxExportable"/>);
/// values are named by the module path that made them, so the graph reads like the model.
/// </summary>
public sealed class OnnxGraph
{
    /// <summary>A large end for Slice: "to the end of the axis", whatever its (symbolic) size.</summary>
    public const long End = long.MaxValue;

    private readonly GraphProto graph = new() { Name = "ddf" };
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> constants = new(StringComparer.Ordinal);
    private readonly Dictionary<torch.nn.Module, Dictionary<string, Tensor>> states = new(ReferenceEqualityComparer.Instance);
    private readonly Stack<string> paths = new();

    internal OnnxGraph(long opsetVersion)
    {
        OpsetVersion = opsetVersion;
        paths.Push("");
    }

    /// <summary>The opset the graph is written for.</summary>
    public long OpsetVersion { get; }

    /// <summary>The path of the module being exported ("" for the model itself; "layer1.0.conv2" below it).</summary>
    public string Path => paths.Peek();

    internal GraphProto Proto => graph;

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    /// <param name="opType">A standard ONNX operator (Conv, Mul, Slice, ...).</param>
    /// <param name="inputs">Its inputs, by value name ("" for an omitted optional input).</param>
    /// <param name="attributes">Its attributes.</param>
    public string Node(string opType, string[] inputs, params OnnxAttribute[] attributes) =>
        Node(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputs"/> outputs and returns their names.</summary>
    public string[] Node(string opType, string[] inputs, int outputs, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        string name = Unique($"{(Path.Length == 0 ? "" : Path + "/")}{opType}");
        var node = new NodeProto { Name = name, OpType = opType };
        node.Input.AddRange(inputs);
        var results = outputs == 1 ? [name] : Enumerable.Range(0, outputs).Select(i => Unique($"{name}:{i}")).ToArray();
        node.Output.AddRange(results);
        node.Attribute.AddRange(attributes.Select(a => a.Proto));
        graph.Node.Add(node);
        return results;
    }

    /// <summary>
    /// The entry <paramref name="key"/> of <paramref name="module"/>'s state_dict (a parameter or buffer) as an initializer
    /// named by its path in the model; float tensors are written as float32.
    /// </summary>
    public string Weight(torch.nn.Module module, string key)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(key);
        if (!states.TryGetValue(module, out var state))
            states[module] = state = module.state_dict();
        if (!state.TryGetValue(key, out var tensor))
            throw new ArgumentException($"{module.GetType().Name} at '{Display(Path)}' has no state_dict entry '{key}'.", nameof(key));
        return Initializer(tensor, key);
    }

    /// <summary>A tensor (float32 or int64) as an initializer named <paramref name="name"/> under the current module's path.</summary>
    public string Initializer(Tensor value, string name)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrEmpty(name);
        string full = Path.Length == 0 ? name : $"{Path}.{name}";
        if (!names.Add(full))
            return full;
        graph.Initializer.Add(ToProto(value, full));
        return full;
    }

    /// <summary>A 1-D int64 constant (shapes, axes, pads, slice bounds); equal constants share one initializer.</summary>
    public string Int64s(params long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        string key = "i64:" + string.Join(",", values);
        if (constants.TryGetValue(key, out var existing))
            return existing;
        var proto = new TensorProto { Name = Unique("const_i64"), DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        graph.Initializer.Add(proto);
        return constants[key] = proto.Name;
    }

    /// <summary>A float32 scalar constant (rank 0); equal constants share one initializer.</summary>
    public string Scalar(float value)
    {
        string key = "f32:" + value.ToString("R", CultureInfo.InvariantCulture);
        if (constants.TryGetValue(key, out var existing))
            return existing;
        var proto = new TensorProto { Name = Unique("const_f32"), DataType = (int)TensorProto.Types.DataType.Float };
        proto.FloatData.Add(value);
        graph.Initializer.Add(proto);
        return constants[key] = proto.Name;
    }

    /// <summary>A float32 constant of the given shape.</summary>
    public string Floats(long[] shape, float[] values)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        var proto = new TensorProto { Name = Unique("const_f32"), DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(shape);
        proto.FloatData.AddRange(values);
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Exports the submodule <paramref name="module"/> (its path: the current path and <paramref name="name"/>) on <paramref name="inputs"/>; its one output.</summary>
    public string Call(torch.nn.Module module, string name, params string[] inputs)
    {
        var outputs = CallAll(module, name, inputs);
        if (outputs.Length != 1)
            throw new InvalidOperationException($"{module.GetType().Name} at '{Display(Child(name))}' gave {outputs.Length} outputs where one was expected.");
        return outputs[0];
    }

    /// <summary>Exports the submodule <paramref name="module"/> on <paramref name="inputs"/>; all its outputs.</summary>
    public string[] CallAll(torch.nn.Module module, string name, params string[] inputs)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(inputs);
        return Export(module, Child(name), inputs);
    }

    internal string[] Export(torch.nn.Module module, string path, string[] inputs)
    {
        paths.Push(path);
        try
        {
            if (module is IOnnxExportable exportable)
                return exportable.ExportOnnx(this, inputs);
            return OnnxModules.Export(this, module, inputs)
                ?? throw new NotSupportedException(
                    $"Ddf.onnx.export: the module at '{Display(path)}' is a {module.GetType().FullName}, which has no ONNX export. " +
                    $"Modules whose forward is C# code implement {nameof(IOnnxExportable)}.");
        }
        finally
        {
            paths.Pop();
        }
    }

    internal static string Display(string path) => path.Length == 0 ? "(model)" : path;

    private string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    private string Unique(string name)
    {
        if (names.Add(name))
            return name;
        for (int i = 1; ; i++)
        {
            string candidate = $"{name}_{i.ToString(CultureInfo.InvariantCulture)}";
            if (names.Add(candidate))
                return candidate;
        }
    }

    private static TensorProto ToProto(Tensor value, string name)
    {
        var proto = new TensorProto { Name = name };
        proto.Dims.AddRange(value.shape);
        using var scope = NewDisposeScope();
        var cpu = value.detach().cpu();
        if (cpu.dtype == ScalarType.Int64)
        {
            proto.DataType = (int)TensorProto.Types.DataType.Int64;
            proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(cpu.contiguous().data<long>().ToArray().AsSpan()));
        }
        else if (cpu.is_floating_point())
        {
            proto.DataType = (int)TensorProto.Types.DataType.Float;
            proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(cpu.to_type(ScalarType.Float32).contiguous().data<float>().ToArray().AsSpan()));
        }
        else
        {
            throw new NotSupportedException($"Ddf.onnx.export: tensor '{name}' is {cpu.dtype}; only floating-point and int64 tensors are written.");
        }
        return proto;
    }
}
