//! Adam (Kingma and Ba, 2015), the optimizer of the chapters' hand-written networks.

/// Adam's state for a fixed list of parameters, $\beta_1 = 0.9$, $\beta_2 = 0.999$,
/// $\epsilon = 10^{-8}$ unless set otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    first: Vec<f64>,
    second: Vec<f64>,
    steps: i32,
    /// Decay of the first moment $\beta_1$.
    pub beta1: f64,
    /// Decay of the second moment $\beta_2$.
    pub beta2: f64,
    /// The $\epsilon$ added to the root of the second moment.
    pub epsilon: f64,
}

impl Adam {
    /// State for `count` parameters.
    pub fn new(count: usize) -> Self {
        Adam {
            first: vec![0.0; count],
            second: vec![0.0; count],
            steps: 0,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }

    /// One step of size `lr` *down* the gradient: `params` and `grads` list the
    /// parameters and their gradients in the same order, as many as [`Adam::new`]
    /// was given (extra items are ignored; missing ones are not updated).
    pub fn step<'a, 'b>(
        &mut self,
        params: impl Iterator<Item = &'a mut f64>,
        grads: impl Iterator<Item = &'b f64>,
        lr: f64,
    ) {
        self.steps += 1;
        let c1 = 1.0 - self.beta1.powi(self.steps);
        let c2 = 1.0 - self.beta2.powi(self.steps);
        for (((p, g), m), v) in params
            .zip(grads)
            .zip(self.first.iter_mut())
            .zip(self.second.iter_mut())
        {
            *m = self.beta1 * *m + (1.0 - self.beta1) * g;
            *v = self.beta2 * *v + (1.0 - self.beta2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + self.epsilon);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first step moves every parameter by lr against the sign of its
    /// gradient (the bias correction makes m/√v = ±1), and Adam minimizes a quadratic.
    #[test]
    fn first_step_is_sign_descent_and_a_quadratic_is_minimized() {
        let mut x = [1.0, -2.0];
        let mut adam = Adam::new(2);
        adam.step(x.iter_mut(), [3.0, -0.5].iter(), 0.1);
        assert!((x[0] - 0.9).abs() < 1e-7 && (x[1] + 1.9).abs() < 1e-7);
        for t in 0..3000 {
            let g = [2.0 * (x[0] - 3.0), 2.0 * (x[1] + 1.0)];
            adam.step(x.iter_mut(), g.iter(), 0.1 * 0.998f64.powi(t));
        }
        assert!((x[0] - 3.0).abs() < 1e-3 && (x[1] + 1.0).abs() < 1e-3);
    }
}
