global using Ddf.TestSupport;
global using TorchSharp;
