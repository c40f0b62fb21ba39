using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.Onnx.Tests;

/// <summary>Exports a model, runs the file under ONNX Runtime and compares with TorchSharp's eval forward.</summary>
internal static class OrtHarness
{
    /// <summary>Exports <paramref name="model"/> on <paramref name="example"/> and returns the worst max |ort - torch| / max |torch| over the outputs on <paramref name="inputs"/>.</summary>
    public static double ExportAndCompare(nn.Module model, Tensor[] example, Tensor[] inputs, long opset = 17)
    {
        string file = Path.Combine(Path.GetTempPath(), $"ddf-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            onnx.export(model, example, file, opset);
            Assert.True(model.training, "export must leave the model in its mode (training)");
            var expected = Reference(model, inputs);
            using var session = new InferenceSession(file);
            var actual = Run(session, inputs);
            Assert.Equal(expected.Length, actual.Length);
            double worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].Shape, actual[i].Shape);
                double scale = expected[i].Values.Max(v => Math.Abs(v));
                double error = expected[i].Values.Zip(actual[i].Values, (a, b) => Math.Abs(a - b)).Max();
                Assert.True(scale > 0, "reference output is all zeros");
                worst = Math.Max(worst, error / scale);
            }
            return worst;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>TorchSharp's eval-mode forward; the model is put back in training mode.</summary>
    public static (long[] Shape, float[] Values)[] Reference(nn.Module model, Tensor[] inputs)
    {
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            Tensor[] outputs = model switch
            {
                nn.Module<Tensor, Tensor> one => [one.call(inputs[0])],
                nn.Module<Tensor, Tensor, Tensor> two => [two.call(inputs[0], inputs[1])],
                nn.Module<Tensor[], Tensor[]> many => many.call(inputs),
                _ => throw new NotSupportedException(model.GetType().Name),
            };
            return outputs.Select(o => (o.shape, o.contiguous().data<float>().ToArray())).ToArray();
        }
        finally
        {
            model.train();
        }
    }

    public static (long[] Shape, float[] Values)[] Run(InferenceSession session, Tensor[] inputs)
    {
        var names = session.InputNames;
        Assert.Equal(inputs.Length, names.Count);
        var feeds = inputs.Select((t, i) => NamedOnnxValue.CreateFromTensor(names[i],
            new DenseTensor(t.contiguous().data<float>().ToArray(), t.shape.Select(d => (int)d).ToArray()))).ToList();
        using var results = session.Run(feeds);
        return session.OutputNames.Select(name =>
        {
            var tensor = results.Single(r => r.Name == name).AsTensor<float>();
            return (tensor.Dimensions.ToArray().Select(d => (long)d).ToArray(), tensor.ToArray());
        }).ToArray();
    }

    /// <summary>Random BatchNorm statistics and affine parameters, so eval mode differs from identity; training mode on.</summary>
    public static T Prepare<T>(T model, int seed) where T : nn.Module
    {
        torch.random.manual_seed(seed);
        using var noGrad = no_grad();
        foreach (var module in model.modules())
        {
            if (module is BatchNorm2d norm)
            {
                norm.running_mean!.copy_(randn(norm.num_features) * 0.2);
                norm.running_var!.copy_(rand(norm.num_features) + 0.5);
                norm.weight!.copy_(rand(norm.num_features) + 0.5);
                norm.bias!.copy_(randn(norm.num_features) * 0.2);
            }
        }
        model.train();
        return model;
    }
}
