"""What each lab hands the learner: the code it starts from, as real files (`lab_NN_given/`,
`lab_13_service/`), and the public numbers its notebook shows. A lab's notebook and its checks
both import from here, so a notebook never imports the module that grades it."""
