// Engine: the JSON tree the front ends read parameters with, until the JSON module replaces
// KerasGraph.JSONValue (then they import JSON directly and this file goes).
import KerasGraph

public typealias JSONValue = KerasGraph.JSONValue
