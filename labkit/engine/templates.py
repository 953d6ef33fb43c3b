"""The console's "Hello World" templates and a machine that fails, as ASL JSON strings.

* ``HELLO_WORLD_V1`` (console ~2019-2021) and ``HELLO_WORLD_V2`` (~2021-2024) use JSONPath.
  V2 is copied from public copies of the console template (a TypeScript definition and
  a Terraform ``aws_sfn_state_machine "hello_world_standard"``); V1 differs only in its
  comments and in a Pass state without ``Result``, so V1's branch depends on the input
  (public tutorial READMEs) [secondary].
* ``HELLO_WORLD_V3`` (since ~Nov 2024) uses JSONata. The state names are AWS's
  (https://docs.aws.amazon.com/step-functions/latest/dg/getting-started.html) [DOC]; the
  console does not print the ASL, so the expressions and summary wording are written
  from the documented behaviour of each state [INFER].
* ``FAIL_MACHINE``: a Pass then a Fail state, the smallest history that ends in
  ExecutionFailed (FailStateEntered, then ExecutionFailed) [AWS-REC, LocalStack test_logs].
"""

HELLO_WORLD_V1 = """{
  "Comment": "A Hello World example demonstrating various state types of the Amazon States Language",
  "StartAt": "Pass",
  "States": {
    "Pass": {
      "Comment": "A Pass state passes its input to its output, without performing work. Pass states are useful when constructing and debugging state machines.",
      "Type": "Pass",
      "Next": "Hello World example?"
    },
    "Hello World example?": {
      "Comment": "A Choice state adds branching logic to a state machine. Choice rules can implement 16 different comparison operators, and can be combined using And, Or, and Not",
      "Type": "Choice",
      "Choices": [
        {
          "Variable": "$.IsHelloWorldExample",
          "BooleanEquals": true,
          "Next": "Yes"
        },
        {
          "Variable": "$.IsHelloWorldExample",
          "BooleanEquals": false,
          "Next": "No"
        }
      ],
      "Default": "Yes"
    },
    "Yes": {
      "Type": "Pass",
      "Next": "Wait 3 sec"
    },
    "No": {
      "Type": "Fail",
      "Cause": "Not Hello World"
    },
    "Wait 3 sec": {
      "Comment": "A Wait state delays the state machine from continuing for a specified time.",
      "Type": "Wait",
      "Seconds": 3,
      "Next": "Parallel State"
    },
    "Parallel State": {
      "Comment": "A Parallel state can be used to create parallel branches of execution in your state machine.",
      "Type": "Parallel",
      "Next": "Hello World",
      "Branches": [
        {
          "StartAt": "Hello",
          "States": {
            "Hello": {
              "Type": "Pass",
              "End": true
            }
          }
        },
        {
          "StartAt": "World",
          "States": {
            "World": {
              "Type": "Pass",
              "End": true
            }
          }
        }
      ]
    },
    "Hello World": {
      "Type": "Pass",
      "End": true
    }
  }
}"""

HELLO_WORLD_V2 = """{
  "Comment": "A Hello World example demonstrating various state types of the Amazon States Language. It is composed of flow control states only, so it does not need resources to run.",
  "StartAt": "Pass",
  "States": {
    "Pass": {
      "Comment": "A Pass state passes its input to its output, without performing work. They can also generate static JSON output, or transform JSON input using filters and pass the transformed data to the next state. Pass states are useful when constructing and debugging state machines.",
      "Type": "Pass",
      "Result": {
        "IsHelloWorldExample": true
      },
      "Next": "Hello World example?"
    },
    "Hello World example?": {
      "Comment": "A Choice state adds branching logic to a state machine. Choice rules can implement many different comparison operators, and rules can be combined using And, Or, and Not",
      "Type": "Choice",
      "Choices": [
        {
          "Variable": "$.IsHelloWorldExample",
          "BooleanEquals": true,
          "Next": "Yes"
        },
        {
          "Variable": "$.IsHelloWorldExample",
          "BooleanEquals": false,
          "Next": "No"
        }
      ],
      "Default": "Yes"
    },
    "Yes": {
      "Type": "Pass",
      "Next": "Wait 3 sec"
    },
    "No": {
      "Type": "Fail",
      "Cause": "Not Hello World"
    },
    "Wait 3 sec": {
      "Comment": "A Wait state delays the state machine from continuing for a specified time.",
      "Type": "Wait",
      "Seconds": 3,
      "Next": "Parallel State"
    },
    "Parallel State": {
      "Comment": "A Parallel state can be used to create parallel branches of execution in your state machine.",
      "Type": "Parallel",
      "Next": "Hello World",
      "Branches": [
        {
          "StartAt": "Hello",
          "States": {
            "Hello": {
              "Type": "Pass",
              "End": true
            }
          }
        },
        {
          "StartAt": "World",
          "States": {
            "World": {
              "Type": "Pass",
              "End": true
            }
          }
        }
      ]
    },
    "Hello World": {
      "Type": "Pass",
      "End": true
    }
  }
}"""

HELLO_WORLD_V3 = """{
  "Comment": "A description of my state machine",
  "QueryLanguage": "JSONata",
  "StartAt": "Set Variables and State Output",
  "States": {
    "Set Variables and State Output": {
      "Type": "Pass",
      "Comment": "Set Variables and State Output provides an example of how to set variables and state output. Variables can be used in later states; the output is the input of the next state.",
      "Output": {
        "IsHelloWorldExample": true,
        "ExecutionWaitTimeInSeconds": 3
      },
      "Assign": {
        "CheckpointCount": 0
      },
      "Next": "Is Hello World Example?"
    },
    "Is Hello World Example?": {
      "Type": "Choice",
      "Comment": "A Choice state adds branching logic to a state machine. Choice rules use JSONata conditions.",
      "Choices": [
        {
          "Condition": "{% $states.input.IsHelloWorldExample %}",
          "Next": "Wait for X Seconds"
        }
      ],
      "Default": "Fail the Execution"
    },
    "Fail the Execution": {
      "Type": "Fail",
      "Error": "Not a Hello World Example"
    },
    "Wait for X Seconds": {
      "Type": "Wait",
      "Comment": "A Wait state delays the state machine from continuing for a specified time.",
      "Seconds": "{% $states.input.ExecutionWaitTimeInSeconds %}",
      "Assign": {
        "CheckpointCount": "{% $CheckpointCount + 1 %}"
      },
      "Next": "Execute in Parallel"
    },
    "Execute in Parallel": {
      "Type": "Parallel",
      "Comment": "A Parallel state can be used to create parallel branches of execution in your state machine.",
      "Branches": [
        {
          "StartAt": "Format Execution Start Date",
          "States": {
            "Format Execution Start Date": {
              "Type": "Pass",
              "Output": {
                "FormattedExecutionStartDate": "{% $fromMillis($toMillis($states.context.Execution.StartTime), '[M01]/[D01]') %}"
              },
              "End": true
            }
          }
        },
        {
          "StartAt": "Snapshot Execution Elapsed Time",
          "States": {
            "Snapshot Execution Elapsed Time": {
              "Type": "Pass",
              "Output": {
                "ElapsedTimeToDateInMilliseconds": "{% $millis() - $toMillis($states.context.Execution.StartTime) %}"
              },
              "End": true
            }
          }
        }
      ],
      "Catch": [
        {
          "ErrorEquals": [
            "States.QueryEvaluationError"
          ],
          "Next": "Set Checkpoint",
          "Output": {
            "ElapsedTimeToDateInMilliseconds": -1,
            "FormattedExecutionStartDate": "unknown"
          }
        }
      ],
      "Assign": {
        "CheckpointCount": "{% $CheckpointCount + 1 %}"
      },
      "Output": "{% $merge($states.result) %}",
      "Next": "Set Checkpoint"
    },
    "Set Checkpoint": {
      "Type": "Pass",
      "Assign": {
        "CheckpointCount": "{% $CheckpointCount + 1 %}"
      },
      "Next": "Summarize the Execution"
    },
    "Summarize the Execution": {
      "Type": "Succeed",
      "Comment": "A Succeed state ends the execution successfully.",
      "Output": {
        "Summary": "{% 'This Hello World execution started on ' & $states.input.FormattedExecutionStartDate & ', reached ' & $string($CheckpointCount) & ' checkpoints and took ' & $string($states.input.ElapsedTimeToDateInMilliseconds) & ' ms to reach the parallel branches.' %}"
      }
    }
  }
}"""

FAIL_MACHINE = """{
  "Comment": "A Pass state, then a Fail state: the execution ends in ExecutionFailed.",
  "StartAt": "Start",
  "States": {
    "Start": {
      "Type": "Pass",
      "Next": "Fail"
    },
    "Fail": {
      "Type": "Fail",
      "Error": "LessonError",
      "Cause": "This state machine fails on purpose."
    }
  }
}"""

__all__ = ["FAIL_MACHINE", "HELLO_WORLD_V1", "HELLO_WORLD_V2", "HELLO_WORLD_V3"]
