using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

#pragma warning disable CS8981 // PyTorch-style lower-case name, like torch.onnx and Ddf.ops.

namespace Ddf;

/// <summary>ONNX export of TorchSharp models built from this library's layers (<c>Ddf.onnx.export</c>).</summary>
public static class onnx
{
    /// <summary>The lowest opset the exporter writes (Slice, Pad, ReduceSum, Unsqueeze take their axes as inputs from 13).</summary>
    public const long MinOpsetVersion = 13;

    /// <summary>The highest opset the exporter writes.</summary>
    public const long MaxOpsetVersion = 21;

    /// <summary>
    /// Writes to <paramref name="f"/> an ONNX model whose graph computes <paramref name="model"/>'s eval-mode forward
    /// (BatchNorm with its running statistics; the model itself is left as it was) in standard ONNX operators, for float32
    /// inputs shaped like <paramref name="args"/> with batch, height and width symbolic.
    /// </summary>
    /// <param name="model">A <c>Module&lt;Tensor, Tensor&gt;</c>, <c>Module&lt;Tensor, Tensor, Tensor&gt;</c> (input, then guidance) or <c>Module&lt;Tensor[], Tensor[]&gt;</c>.</param>
    /// <param name="args">Example inputs, one per forward argument: they fix the ranks and channel counts and are run once to check them.</param>
    /// <param name="f">The file to write.</param>
    /// <param name="opset_version">The ONNX opset, 13 to 21.</param>
    /// <exception cref="ArgumentException">Wrong argument count, a null or non-float32 argument, or arguments the forward rejects.</exception>
    /// <exception cref="NotSupportedException">A module with no ONNX export (named by its type and path), before anything is written.</exception>
    public static void export(nn.Module model, Tensor[] args, string f, long opset_version = 17)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(args);
        if (string.IsNullOrWhiteSpace(f))
            throw new ArgumentException("f must name the file to write.", nameof(f));
        if (opset_version < MinOpsetVersion || opset_version > MaxOpsetVersion)
            throw new ArgumentOutOfRangeException(nameof(opset_version), opset_version, $"opset_version must be {MinOpsetVersion} to {MaxOpsetVersion}, got {opset_version}.");
        var bytes = ToModel(model, args, opset_version).ToByteArray();
        File.WriteAllBytes(f, bytes);
    }

    /// <summary>The ONNX model as bytes, the same as <see cref="export"/> writes.</summary>
    public static byte[] export_bytes(nn.Module model, Tensor[] args, long opset_version = 17)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(args);
        if (opset_version < MinOpsetVersion || opset_version > MaxOpsetVersion)
            throw new ArgumentOutOfRangeException(nameof(opset_version), opset_version, $"opset_version must be {MinOpsetVersion} to {MaxOpsetVersion}, got {opset_version}.");
        return ToModel(model, args, opset_version).ToByteArray();
    }

    private static ModelProto ToModel(nn.Module model, Tensor[] args, long opset)
    {
        var (arity, names) = Signature(model);
        if (arity > 0 && args.Length != arity)
            throw new ArgumentException($"{model.GetType().Name}.forward takes {arity} tensor(s) ({string.Join(", ", names)}), got {args.Length} in args.", nameof(args));
        if (args.Length == 0)
            throw new ArgumentException("args must hold at least one example input.", nameof(args));
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is null)
                throw new ArgumentException($"args[{i}] is null.", nameof(args));
            if (args[i].dtype != ScalarType.Float32)
                throw new ArgumentException($"args[{i}] must be float32, got {args[i].dtype}.", nameof(args));
            if (args[i].dim() < 1)
                throw new ArgumentException($"args[{i}] must have a batch dimension, got a scalar.", nameof(args));
        }
        string[] inputNames = arity > 0 ? names : args.Select((_, i) => $"{names[0]}_{i}").ToArray();

        var modes = new[] { model }.Concat(model.modules().Where(m => !ReferenceEquals(m, model))).Select(m => (Module: m, m.training)).ToList();
        model.eval();
        try
        {
            Tensor[] reference;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                try
                {
                    reference = Forward(model, args);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or ExternalException)
                {
                    throw new ArgumentException($"args do not fit {model.GetType().Name}.forward: {e.Message}", nameof(args), e);
                }
                var graph = new OnnxGraph(opset);
                var outputs = graph.Export(model, "", inputNames);
                if (outputs.Length != reference.Length)
                    throw new InvalidOperationException($"the ONNX graph of {model.GetType().Name} has {outputs.Length} outputs, its forward {reference.Length}.");

                var proto = graph.Proto;
                for (int i = 0; i < args.Length; i++)
                    proto.Input.Add(ValueInfo(inputNames[i], args[i].shape, Dims(args, i)));
                for (int i = 0; i < outputs.Length; i++)
                {
                    string name = outputs.Length == 1 ? "output" : $"output_{i}";
                    proto.Node.Add(Identity(outputs[i], name));
                    var shape = reference[i].shape;
                    proto.Output.Add(ValueInfo(name, shape, shape.Select((d, axis) => axis == 0 && shape.Length > 1 ? "batch" : axis >= 2 ? "" : null).ToArray()));
                }
                var modelProto = new ModelProto
                {
                    IrVersion = opset <= 18 ? 8 : opset <= 20 ? 9 : 10,
                    ProducerName = "Ddf.Compiler",
                    ProducerVersion = typeof(onnx).Assembly.GetName().Version?.ToString(3) ?? "0.1.0",
                    Graph = proto,
                };
                modelProto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
                return modelProto;
            }
        }
        finally
        {
            // Pre-order, so each module's own flag wins over its parent's recursive train().
            foreach (var (module, training) in modes)
                module.train(training);
        }
    }

    private static NodeProto Identity(string input, string output)
    {
        var node = new NodeProto { Name = output, OpType = "Identity" };
        node.Input.Add(input);
        node.Output.Add(output);
        return node;
    }

    // dim_params per axis: "batch" for axis 0; "height"/"width" for axes 2 and 3 of the first input (and of any input of its size), "height_i"/"width_i" otherwise.
    private static string?[] Dims(Tensor[] args, int i)
    {
        var shape = args[i].shape;
        var first = args[0].shape;
        string suffix = i == 0 || (shape.Length == first.Length && shape.Length >= 4 && shape[2] == first[2] && shape[3] == first[3]) ? "" : $"_{i}";
        return shape.Select((_, axis) => axis switch
        {
            0 => "batch",
            2 when shape.Length == 4 => "height" + suffix,
            3 when shape.Length == 4 => "width" + suffix,
            _ => null,
        }).ToArray();
    }

    private static ValueInfoProto ValueInfo(string name, long[] shape, string?[] symbolic)
    {
        var tensorShape = new TensorShapeProto();
        for (int axis = 0; axis < shape.Length; axis++)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (symbolic[axis] is { Length: > 0 } param)
                dim.DimParam = param;
            else if (symbolic[axis] is null)
                dim.DimValue = shape[axis];
            tensorShape.Dim.Add(dim);
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }

    // Arity and argument names of the forward: 1 or 2 tensors, or -1 for a Tensor[] forward (any number of tensors).
    private static (int Arity, string[] Names) Signature(nn.Module model)
    {
        string[] Parameters(int count) =>
            model.GetType().GetMethods().Where(m => m.Name == "forward" && m.GetParameters().Length == count)
                .Select(m => m.GetParameters().Select(p => p.Name ?? "input").ToArray()).FirstOrDefault()
            ?? Enumerable.Range(0, count).Select(i => i == 0 ? "input" : $"input_{i}").ToArray();
        return model switch
        {
            nn.Module<Tensor, Tensor> => (1, Parameters(1)),
            nn.Module<Tensor, Tensor, Tensor> => (2, Parameters(2)),
            nn.Module<Tensor[], Tensor[]> => (-1, Parameters(1)),
            _ => throw new NotSupportedException($"Ddf.onnx.export: the model is a {model.GetType().FullName}; it must be a Module<Tensor, Tensor>, Module<Tensor, Tensor, Tensor> or Module<Tensor[], Tensor[]>."),
        };
    }

    private static Tensor[] Forward(nn.Module model, Tensor[] args) => model switch
    {
        nn.Module<Tensor, Tensor> one => [one.call(args[0])],
        nn.Module<Tensor, Tensor, Tensor> two => [two.call(args[0], args[1])],
        nn.Module<Tensor[], Tensor[]> many => many.call(args),
        _ => throw new NotSupportedException(model.GetType().FullName),
    };
}
